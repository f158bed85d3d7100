"""argparse in Chinese for every command line of the client (python -m desktop, its bundle
and sync commands, python -m desktop.ledger): headings, -h, and argparse's own complaints as one
Chinese line with exit code 2 instead of English usage text."""
from __future__ import annotations

import argparse
import re
from typing import NoReturn

EXIT_USAGE = 2

_COMPLAINTS = (  # argparse speaks English: its usual complaints, in Chinese
    (r"the following arguments are required: (.*)", "缺少必需的参数：{0}"),
    (r"unrecognized arguments: (.*)", "不认识的参数：{0}"),
    (r"argument (\S+): invalid choice: (.*?) \(choose from (.*)\)",
     "参数 {0} 的取值 {1} 无效，可选：{2}"),
    (r"argument (\S+): invalid (\S+) value: (.*)", "参数 {0} 的取值 {2} 格式不对"),
    (r"argument (\S+): expected one argument", "参数 {0} 后面缺少取值"),
    (r"argument (\S+): expected at least one argument", "参数 {0} 后面缺少取值"),
    (r"argument (\S+): not allowed with argument (\S+)", "参数 {0} 不能与 {1} 同时使用"),
    (r"one of the arguments (.*) is required", "必须给出以下参数之一：{0}"),
)


def in_chinese(message: str) -> str:
    """argparse's complaint `message` in Chinese (unchanged when it is not a known one)."""
    for pattern, text in _COMPLAINTS:
        m = re.fullmatch(pattern, message)
        if m:
            return text.format(*m.groups())
    return message


class ChineseHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None) -> None:  # noqa: ANN001
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


class ChineseRawHelpFormatter(argparse.RawDescriptionHelpFormatter):
    """For descriptions laid out by hand (line breaks kept)."""

    def add_usage(self, usage, actions, groups, prefix=None) -> None:  # noqa: ANN001
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


class ChineseArgumentParser(argparse.ArgumentParser):
    """argparse in Chinese; sub-command parsers made by add_subparsers are of this class too."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"参数错误：{in_chinese(message)}（用 --help 查看用法）\n")
