"""Dictionaries: stable ASCII codes are stored, Chinese labels are shown.

Dictionaries are data (DictEntry records, editable in the config centre). `DEFAULTS` is only the
seed a new database starts with (the server's migration stores it; a device shows it until its
first sync brings the records). Everything that reads, validates or offers a dictionary value
takes one `Dictionaries` value loaded from the synced records (the client's
`desktop/services/records.load_dictionaries`, after opening and after every sync), never the
seed itself. Ethnicity codes follow GB 3304.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

DEFAULTS: dict[str, list[tuple[str, str]]] = {
    "sex": [("male", "男"), ("female", "女")],
    "ethnicity": [
        ("01", "汉族"), ("05", "维吾尔族"), ("03", "回族"), ("04", "藏族"), ("02", "蒙古族"),
        ("17", "哈萨克族"), ("23", "柯尔克孜族"), ("38", "锡伯族"), ("41", "塔吉克族"),
        ("43", "乌孜别克族"), ("48", "俄罗斯族"), ("35", "东乡族"), ("44", "满族"),
        ("97", "其他"),
    ],
    # 宗教信仰 is sensitive personal data (PIPL art. 28): masked in lists, reveals logged
    "religion": [("none", "无宗教信仰"), ("islam", "伊斯兰教"), ("buddhism", "佛教"),
                 ("taoism", "道教"), ("catholicism", "天主教"), ("christianity", "基督教"),
                 ("other", "其他")],
    "resident_type": [("registered", "户籍人口"), ("permanent", "常住人口"),
                      ("floating", "流动人口"), ("lodging", "寄住人口")],
    "person_status": [("normal", "正常"), ("deceased", "死亡"), ("moved_out", "迁出"),
                      ("pending", "待审核")],
    "tag": [
        ("elderly_60", "60岁以上老人"), ("living_alone", "独居老人"), ("dibao", "低保"),
        ("disabled", "残疾"), ("veteran", "退役军人"), ("party_member", "党员"),
        ("left_behind_child", "留守儿童"), ("key_person", "重点人员"),
        ("poverty_monitor", "防返贫监测对象"), ("special_hardship", "特困供养"),
        ("serious_illness", "大病患者"), ("empty_nest", "空巢老人"),
    ],
    "relation": [("head", "户主"), ("spouse", "配偶"), ("son", "子"), ("daughter", "女"),
                 ("father", "父亲"), ("mother", "母亲"), ("grandson", "孙子"),
                 ("granddaughter", "孙女"), ("daughter_in_law", "儿媳"),
                 ("son_in_law", "女婿"), ("sibling", "兄弟姐妹"), ("other", "其他")],
    "education": [("none", "文盲或半文盲"), ("primary", "小学"), ("junior", "初中"),
                  ("senior", "高中/中专"), ("college", "大专"), ("bachelor", "本科"),
                  ("postgraduate", "研究生")],
    "marital_status": [("single", "未婚"), ("married", "已婚"), ("divorced", "离婚"),
                       ("widowed", "丧偶")],
    "political_status": [("cpc", "中共党员"), ("league", "共青团员"), ("masses", "群众")],
    "park_kind": [("compound", "小区"), ("industrial", "工业园区"), ("market", "市场")],
    "building_type": [("residential", "住宅楼"), ("commercial", "商业楼"),
                      ("office", "办公楼"), ("factory", "厂房"), ("mixed", "商住楼")],
    "building_use": [("living", "居住"), ("business", "经营"), ("office", "办公"),
                     ("production", "生产"), ("mixed", "混合")],
    "house_type": [("rural_self_built", "农村自建房"), ("apartment", "楼房"),
                   ("shop_front", "商铺"), ("bungalow", "平房")],
    "house_use": [("owner_occupied", "自住"), ("rented", "出租"), ("vacant", "空置"),
                  ("business", "经营")],
    "org_kind": [("enterprise", "企业"), ("shop", "个体商户"), ("institution", "机关事业单位"),
                 ("cooperative", "合作社"), ("social", "社会组织")],
    "industry": [("agriculture", "农业"), ("retail", "批发零售"), ("catering", "餐饮"),
                 ("manufacturing", "制造业"), ("transport", "交通运输"),
                 ("construction", "建筑业"), ("services", "居民服务"), ("mining", "采矿业")],
    "tax_status": [("normal", "正常纳税"), ("exempt", "免税"), ("none", "未登记")],
    "visit_kind": [("person", "入户走访"), ("shop", "商户走访"), ("enterprise", "企业走访")],
    "checkin_method": [("qr", "扫码签到"), ("manual", "手工登记")],
    "task_status": [("open", "待走访"), ("done", "已完成"), ("cancelled", "已取消")],
    "collection_frequency": [("once", "一次性"), ("monthly", "每月")],
    "event_category": [("environment", "环境卫生"), ("dispute", "邻里纠纷"),
                       ("infrastructure", "基础设施"), ("safety", "安全隐患"),
                       ("livelihood", "民生诉求"), ("other", "其他")],
    "event_source": [("hotline", "接诉即办"), ("snapshot", "随手拍"), ("resident", "居民上报"),
                     ("patrol", "网格巡查")],
    "event_status": [("pending", "待处理"), ("handling", "处理中"), ("assigned", "已派发"),
                     ("closed", "已办结")],
    "priority": [("normal", "一般"), ("urgent", "紧急"), ("critical", "特急")],
    "event_action": [("handle", "处理"), ("assign", "派发"), ("transfer", "转办"),
                     ("escalate", "上报"), ("supervise", "督办"), ("postpone", "延期"),
                     ("close", "办结"), ("comment", "备注"), ("rate", "居民评价"),
                     ("reopen", "重新办理")],
    "satisfaction": [("satisfied", "满意"), ("basic", "基本满意"), ("dissatisfied", "不满意")],
    "org_level": [("county", "县"), ("township", "乡镇"), ("village", "村/社区"),
                  ("grid", "网格")],
    "role": [("county_admin", "县级管理员"), ("township_office", "乡镇/社区工作人员"),
             ("grid_worker", "网格员")],
    "ledger_binding": [("person", "人员"), ("household", "户"), ("house", "房屋")],
    "work_kind": [("claim", "人员认领"), ("population_review", "人口审核"),
                  ("floating_conversion", "流动人口转常住"), ("transfer", "人员转移")],
    "work_state": [("submitted", "待审核"), ("approved", "已通过"), ("refused", "未通过"),
                   ("returned", "已退回"), ("withdrawn", "已撤回")],
    "work_action": [("file", "提交"), ("withdraw", "撤回"), ("resubmit", "重新提交"),
                    ("approve", "通过"), ("refuse", "不通过"), ("return", "退回"),
                    ("retarget", "更改目标网格")],
    "move_direction": [("in", "迁入"), ("out", "迁出")],
    "ledger_field_type": [("text", "文本"), ("int", "整数"), ("decimal", "小数"),
                          ("date", "日期"), ("bool", "是/否"), ("dict", "字典选项")],
}


# -- reading values as people write them ----------------------------------------------------
# A sheet or a form says 汉 for 汉族, 男性 for 男, 本人 for 户主. These are the same entry; the
# rules below say which forms are, so that a comparison is by meaning, not by spelling. They
# apply to the synced dictionaries as well as to these defaults: a rule names a code, and a
# suffix rule works on whatever label the code has.

SHORT_FORM_SUFFIXES: dict[str, tuple[str, ...]] = {
    "ethnicity": ("族",),            # 维吾尔族 → 维吾尔, 汉族 → 汉
    "resident_type": ("人口",),      # 户籍人口 → 户籍
}
"""Suffixes a label is commonly written without (the short form must keep a character)."""

SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    # GB/T 2261.1: 1 male, 2 female
    "sex": {"male": ("男性", "男子", "1"), "female": ("女性", "女子", "2")},
    "religion": {"none": ("无", "不信教", "无宗教"), "christianity": ("基督新教",)},
    "ethnicity": {"05": ("维族",), "17": ("哈族",), "02": ("蒙族",), "23": ("柯族",)},
    "relation": {"head": ("本人", "户主本人"), "spouse": ("妻子", "丈夫", "妻", "夫", "爱人"),
                 "son": ("儿子", "长子", "次子", "三子", "独子", "养子", "继子"),
                 "daughter": ("女儿", "长女", "次女", "三女", "独女", "养女", "继女"),
                 "father": ("父", "爸爸"), "mother": ("母", "妈妈"),
                 "grandson": ("孙",), "daughter_in_law": ("儿媳妇",),
                 "sibling": ("兄弟", "姐妹", "哥哥", "弟弟", "姐姐", "妹妹", "兄", "弟", "姐",
                             "妹")},
    "education": {"none": ("文盲", "半文盲"), "senior": ("高中", "中专", "职高", "技校"),
                  "college": ("专科", "大学专科", "高职"), "bachelor": ("大学本科", "大学"),
                  "postgraduate": ("硕士", "博士", "硕士研究生", "博士研究生")},
    "marital_status": {"married": ("有配偶", "初婚", "再婚", "复婚")},
    "political_status": {"cpc": ("党员", "中国共产党党员", "共产党员"),
                         "league": ("团员", "共青团员", "中国共产主义青年团团员")},
    "person_status": {"deceased": ("已死亡", "去世", "已故", "已去世", "死亡注销"),
                      "moved_out": ("已迁出",)},
    "tag": {"elderly_60": ("60岁以上", "60周岁以上老人"), "dibao": ("低保户", "低保对象"),
            "disabled": ("残疾人", "残疾人员"), "veteran": ("退伍军人",),
            "special_hardship": ("特困", "特困人员", "特困供养人员"),
            "poverty_monitor": ("监测对象", "防返贫监测户")},
}
"""Other ways of writing an entry, by dictionary and code."""

_BLANKS = str.maketrans({"\u3000": None, " ": None, "\t": None, "／": "/", "（": "(",
                         "）": ")", "，": ","})


def _norm(text: object) -> str:
    return str(text).translate(_BLANKS).strip().casefold()


class Dictionaries(Mapping[str, list[tuple[str, str]]]):
    """One set of dictionaries, as a database holds them: dictionary code -> its entries
    (code, label) in their order. Besides a mapping it reads every accepted form of an entry
    back to its code (`code`), shows a code's label (`label`) and offers the options of a
    form's combo box (`options`). A form two entries could claim (a short form equal to another
    entry's label) belongs to neither: two different entries never read as the same. Pure data;
    built once and shared read-only by any thread."""

    def __init__(self, dictionaries: Mapping[str, Iterable[tuple[str, str]]] | None = None
                 ) -> None:
        source = dictionaries if dictionaries is not None else DEFAULTS
        self.dictionaries: dict[str, list[tuple[str, str]]] = {
            k: list(v) for k, v in source.items()}
        self._forms: dict[str, dict[str, list[str]]] = {}
        self._lookup: dict[str, dict[str, str]] = {}
        self._labels: dict[str, dict[str, str]] = {}

    @classmethod
    def from_entries(cls, entries: Iterable[tuple[str, str, str]]) -> "Dictionaries":
        """The dictionaries of a database: `entries` are its live, active DictEntry records as
        (dict_code, code, label), in their order. A dictionary the database holds replaces its
        seed entirely (an entry an admin added is an option, one retired is not); a dictionary
        it does not hold yet (a device before its first sync) reads as the seed."""
        synced: dict[str, list[tuple[str, str]]] = {}
        for dict_code, code, text in entries:
            synced.setdefault(dict_code, []).append((code, text))
        return cls({**DEFAULTS, **synced})

    # a mapping of dictionary code -> entries
    def __getitem__(self, dict_code: str) -> list[tuple[str, str]]:
        return self.dictionaries[dict_code]

    def __iter__(self) -> Iterator[str]:
        return iter(self.dictionaries)

    def __len__(self) -> int:
        return len(self.dictionaries)

    def options(self, dict_code: str) -> list[tuple[str, str]]:
        """(code, label) of every entry of one dictionary, for a combo box or a check list."""
        return list(self.dictionaries.get(dict_code, ()))

    def has(self, dict_code: str, code: str | None) -> bool:
        return any(c == code for c, _ in self.dictionaries.get(dict_code, ()))

    def forms(self, dict_code: str, code: str) -> list[str]:
        """The forms of one entry that read back to it (label first), as written."""
        self._build(dict_code)
        return list(self._forms[dict_code].get(code, ()))

    def label(self, dict_code: str, code: str | None) -> str | None:
        """The label these dictionaries show for `code` (the code itself when unknown)."""
        if code is None:
            return None
        labels = self._labels.get(dict_code)
        if labels is None:  # a dict per dictionary: the assistant asks for 10,000s of labels
            labels = {}
            for c, text in self.dictionaries.get(dict_code, ()):
                labels.setdefault(c, text)  # the first entry of a code, as a scan would
            self._labels[dict_code] = labels
        return labels.get(code, code)

    def code(self, dict_code: str, text: object) -> str | None:
        """The code of the entry `text` names in any accepted form, or None."""
        if text is None:
            return None
        self._build(dict_code)
        return self._lookup[dict_code].get(_norm(text))

    def _build(self, dict_code: str) -> None:
        if dict_code in self._lookup:
            return
        entries = self.dictionaries.get(dict_code, ())
        numeric = bool(entries) and all(c.isdigit() for c, _ in entries)
        claims: dict[str, set[str]] = {}
        forms: dict[str, list[str]] = {}
        exact: dict[str, str] = {}
        for code, text in entries:
            candidates = [text, code]
            for suffix in SHORT_FORM_SUFFIXES.get(dict_code, ()):
                if text.endswith(suffix) and len(text) > len(suffix):
                    candidates.append(text[:-len(suffix)])
            candidates += SYNONYMS.get(dict_code, {}).get(code, ())
            if numeric:
                candidates.append(str(int(code)))  # 1 for 01: a code typed as a number
            forms[code] = list(dict.fromkeys(candidates))
            exact[_norm(text)] = code
            exact.setdefault(_norm(code), code)
            for form in forms[code]:
                claims.setdefault(_norm(form), set()).add(code)
        # a label or a code always names its own entry; any other form only when no other
        # entry claims it too
        lookup = {form: next(iter(codes)) for form, codes in claims.items() if len(codes) == 1}
        lookup.update(exact)
        self._lookup[dict_code] = lookup
        self._forms[dict_code] = {code: [f for f in fs if lookup.get(_norm(f)) == code]
                                  for code, fs in forms.items()}


_SEED: Dictionaries | None = None


def default_dictionaries() -> Dictionaries:
    """The seed dictionaries as a `Dictionaries` value (shared; built on first use): for a
    place that has no database to load them from (tests, a sheet read before any sync)."""
    global _SEED
    if _SEED is None:
        _SEED = Dictionaries()
    return _SEED


def label(dict_code: str, code: str | None) -> str | None:
    """The Chinese label of a code in a default dictionary (None stays None)."""
    if code is None:
        return None
    for c, text in DEFAULTS.get(dict_code, ()):
        if c == code:
            return text
    return code


def code_for(dict_code: str, text: str) -> str | None:
    """The code whose label (or code) equals `text`, for reading what people typed."""
    t = str(text).strip()
    for c, lab in DEFAULTS.get(dict_code, ()):
        if t in (lab, c):
            return c
    return None


# The ledgers' option lists (common/ledger_types.py) are dictionaries like the rest: seeded,
# labelled and read back through the same two functions.
from .ledger_types import LEDGER_DICTIONARIES  # noqa: E402

DEFAULTS.update(LEDGER_DICTIONARIES)
