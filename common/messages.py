"""Chinese text for every error code: the one place where refusals become sentences."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .errors import DomainError

MESSAGES: dict[str, str] = {
    "required": "{label}不能为空",
    "too_long": "{label}过长：最多 {max} 个字符，现在是 {length} 个",
    "id_length": "{label}应为 18 位，现在是 {length} 位",
    "id_chars": "{label}只能由 17 位数字加最后一位数字或 X 组成",
    "id_checksum": "{label}校验位错误：最后一位应为 {expected}，填的是 {actual}，请核对是否抄错",
    "id_region": "{label}前 6 位 {region} 不是已知的行政区划代码",
    "id_birth_date": "{label}中的出生日期 {value} 不是真实的日期",
    "id_birth_future": "{label}中的出生日期 {value} 晚于今天",
    "id_birth_too_old": "{label}中的出生日期 {value} 早于 1900 年",
    "id_duplicate": "{label} {value} 已登记在本辖区（{name}），不能重复登记",
    "id_sex_mismatch": "性别“{sex}”与{label}第 17 位表示的性别“{expected}”不一致",
    "id_birth_mismatch": "出生日期 {birth} 与{label}中的出生日期 {expected} 不一致",
    "mobile_invalid": "{label} {value} 不是有效的手机号码（11 位，以 1 开头）",
    "phone_invalid": "{label} {value} 不是有效的电话号码（手机 11 位，座机如 0995-8561234）",
    "date_invalid": "{label} {value} 不是有效的日期",
    "not_in_dict": "{label}“{value}”不在可选项中",
    "number_invalid": "{label}“{value}”不是有效的数字",
    "invalid_record": "记录有 {count} 处错误",
    "out_of_scope": "该记录不在您的管辖范围内",
    "not_found": "找不到该记录",
    "unknown_field": "不认识的字段：{field}",
    "bad_reference": "{label}指向的记录不存在",
    # server: identity, scope and request errors
    "username_taken": "{label} {value} 已被使用",
    "role_level_mismatch": "该角色不能管辖这一层级的组织",
    "wrong_password": "账号或密码错误",
    "account_disabled": "该账号已停用，请联系管理员",
    "too_many_attempts": "密码错误次数过多，请 {minutes} 分钟后再试",
    "not_authenticated": "请先登录",
    "token_invalid": "登录凭证无效，请重新登录",
    "token_expired": "登录已过期，请重新登录",
    "forbidden": "您没有执行此操作的权限",
    "request_invalid": "请求内容有误",
    "json_invalid": "请求内容不是有效的 JSON：第 {line} 行第 {column} 列附近有错误",
    "field_type": "{label}的值类型不对：{reason}",
    "field_missing": "缺少必填项：{label}",
    "field_extra": "不认识的字段：{label}",
    "record_conflict": "该记录已被他人修改或删除，请刷新后重试",
    "body_too_large": "请求内容过大",
    "not_a_grid": "{label}必须选择一个网格（现在选的是{level}）",
    "node_level_invalid": "{label}下面不能再建“{level}”",
    "node_has_children": "该组织下还有下级组织，不能删除",
    "field_readonly": "{label}不能修改",
    # door plates, check-in, visits, events, work logs (desktop work pages)
    "plate_damaged": "无法识别该二维码：不是本系统的门牌，或门牌已损坏、照片不清，请重新扫描",
    "plate_version_unsupported": "该门牌是新版格式（{version}），请先升级客户端",
    "plate_key_missing": "本机还没有收到县级门牌密钥，暂不能打印门牌；请先同步，如仍不行请联系县级管理员",
    "plate_key_unknown": "该门牌由本机尚未获得的密钥签发（{key_id}），请同步后再扫",
    "plate_forged": "门牌校验失败：该二维码被改动或是伪造的，请核实并上报",
    "plate_other_grid": "门牌“{door_plate}”属于其他网格，不在您的管辖范围内",
    "plate_house_missing": "门牌有效，但本机没有该房屋的资料，请同步后再试",
    "plate_not_found_in_image": "图片中没有找到二维码，请靠近门牌、对准后重拍",
    "image_unreadable": "无法打开该图片文件：{path}",
    "camera_unavailable": "没有找到可用的摄像头，可以改为打开门牌照片",
    "visit_target_required": "请选择走访对象（人员、房屋或单位）",
    "task_already_done": "该走访任务已完成",
    "event_action_not_allowed": "您的角色不能对该事件执行“{action}”",
    "event_closed": "该事件已办结，不能再处置",
    "event_target_required": "请选择{action}的对象",
    "worklog_exists": "{date} 已经填写过工作日志，请修改原日志",
    "worklog_future": "不能为将来的日期（{date}）填写工作日志",
    "sync_busy": "正在同步，请稍候",
    # attachments (photos) and revoked devices
    "attachment_bad_hash": "附件编号无效：{value}",
    "attachment_empty": "附件是空文件",
    "attachment_too_large": "照片太大（{size_mb} MB），最大允许 {limit_mb} MB，请压缩后再添加",
    "attachment_not_image": "该文件不是照片：只能添加 JPEG、PNG 或 WebP 格式的图片",
    "attachment_hash_mismatch": "附件上传后校验失败（内容与编号不符），将重新上传",
    "attachment_offset_mismatch": "附件续传位置不一致（服务器已收到 {received} 字节），将从该位置继续",
    "attachment_missing": "找不到该附件（{sha256}），可能尚未上传",
    "attachment_out_of_scope": "该照片所属的走访或事件不在您的管辖范围内",
    "attachment_corrupt": "本机保存的附件已损坏或被改动（{sha256}）",
    "device_revoked": "本设备已被管理员停用，本机数据已清除。如需继续使用，请联系管理员",
    "device_not_found": "找不到该设备",
    # 一张表 assistant and ledgers
    "sheet_missing": "找不到文件：{value}",
    "sheet_xls": "“{value}”是旧版 Excel（.xls）文件，请在 Excel 或 WPS 中另存为 .xlsx 后再导入",
    "sheet_encrypted": "“{value}”设有打开密码，请先在 Excel 或 WPS 中取消密码后再导入",
    "sheet_corrupt": "“{value}”不是有效的 Excel 文件或已损坏，无法读取",
    "sheet_not_found": "工作簿中没有名为“{value}”的工作表",
    "sheet_no_header": "工作表“{value}”中找不到可识别的表头（如 姓名、身份证号）",
    "sheet_same_output": "结果不能覆盖原文件，请另选保存位置",
    "assistant_unknown_field": "不认识的字段“{value}”",
    "assistant_unknown_header": "表中没有表头“{value}”",
    "assistant_no_columns": "没有可填写的列：请至少确认一列表头对应的字段",
    "assistant_id_numeric": "身份证号被存成了数字，后几位已丢失（请将该列设为文本后重新填写）",
    "assistant_id_malformed": "身份证号格式不对（应为 18 位）",
    "assistant_id_checksum": "身份证号校验位错误，可能抄错",
    "assistant_row_id_not_found": "数据库中没有身份证号为 {value} 的人员",
    "assistant_row_name_not_found": "数据库中没有名为“{name}”的人员",
    "assistant_row_no_fit": "有名为“{name}”的人员，但户号、门牌、电话等信息都对不上",
    "assistant_row_ambiguous": "名为“{name}”且信息相符的有 {count} 人，无法确定是哪一位",
    "assistant_row_name_only": "只有姓名“{name}”（数据库中有 {count} 人同名），请补充身份证号、户号、门牌号或电话",
    "assistant_row_no_key": "该行没有姓名或身份证号，无法匹配",
    "ledger_unknown_type": "没有代码为“{value}”的台账类型",
    "ledger_bad_header": "台账表头与“{value}”的字段不符，请使用导出的模板",
    "ledger_binding_not_found": "找不到{label}“{value}”",
    "ledger_number_range": "{label}应在 {low} 到 {high} 之间，填的是 {value}",
    "ledger_bool_invalid": "{label}应填“是”或“否”，填的是“{value}”",
    "ledger_year_invalid": "年度“{value}”不是有效的年份",
    "ledger_duplicate": "与第 {other} 行的记录编号相同（同一条记录只能出现一次）",
    "ledger_import_profile_only": "台账导入请使用本机档案（--profile），导入的记录随同步上传到服务器",
    # ledger config centre (sync_server/services/ledger_admin.py)
    "ledger_code_invalid": "{label}“{value}”格式不对：应以小写英文字母开头，由 2 到 32 个小写英文字母、数字或下划线组成",
    "ledger_code_retired": "{label} {value} 曾被已停用的“{name}”使用，已有台账记录可能仍按它保存数值，请换一个代码",
    "ledger_code_fixed": "{label}设定后不能修改：已有的台账记录依赖它。如需更改，请停用后新建",
    "ledger_dict_unknown": "{label}“{value}”不是已有的字典，请先在字典管理中建立该字典",
    "ledger_dict_required": "字段类型为“字典选项”时必须选择{label}",
    "ledger_dict_not_allowed": "只有“字典选项”类型的字段才能选择{label}",
    "ledger_text_invalid": "{label}含有不能使用的字符（如换行、制表符等控制字符）",
    "ledger_label_reserved": "{label}“{value}”与台账表的固定列重名，请换一个名称",
    "ledger_sort_invalid": "{label}应为 0 到 {max} 之间的整数",
    # desktop sign-in and core pages
    "rebuild_failed": "本机数据副本重建未完成，原有数据和未上传的修改均已保留，请稍后再同步",
    "snapshot_not_ready": "服务器正在准备辖区数据，请稍候",
    "snapshot_gone": "辖区数据包已过期，请重新同步",
    "server_unreachable": "无法连接服务器 {url}：请检查网络和服务器地址（已在本机登录过的账号可以离线登录）",
    "server_error": "服务器出错（{status}），请稍后重试",
    "profile_missing": "本机没有账号“{value}”的数据，请先联网登录一次",
    "profile_exists": "本机已有账号“{value}”的数据",
    "bad_profile_name": "账号“{value}”含有不能使用的字符",
    "server_url_invalid": "服务器地址“{value}”不对，应如 http://192.168.1.10:8000",
    # sync (docs/SYNC.md)
    "client_too_old": "客户端版本过旧，请更新到最新版本后再同步（未上传的修改仍安全地保存在本机）",
    "server_too_old": "服务器版本比客户端旧，请联系管理员升级服务器（未上传的修改仍保存在本机）",
    "device_mismatch": "本设备已登记在另一个账号下，不能用当前账号同步",
    "duplicate_change": "该修改的编号与他人的修改重复，未被接受",
    "read_only_entity": "“{value}”只能由管理员在服务器上修改",
    "unknown_entity": "服务器不认识数据类型“{value}”，请更新客户端",
    "bad_clock": "修改的时间戳格式不对",
    "bad_sync_message": "同步数据格式不对，请更新客户端",
    "too_many_changes": "一次上传的修改过多（最多 {max} 条）",
    "sign_in_required": "登录已过期，请输入密码重新联网登录后再同步",
    "bad_choice": "不认识的处理方式：{value}",
    "unknown_kdf": "本机账号的密钥格式（{kdf}）不受支持，请更新客户端",
    # USB sync bundles (common/sync/bundle.py)
    "bundle_invalid": "这不是“一张表”的同步包文件，或文件不完整",
    "bundle_version": "同步包的格式版本（{value}）不受支持，请更新客户端",
    "bundle_tampered": "同步包已损坏或被改动过，已拒绝导入。请重新导出同步包",
    "bundle_wrong_device": "这个同步包属于另一台设备，不能在本机导入",
    "bundle_wrong_direction": "同步包用错了地方：本机导出的同步包交给联网电脑转交，联网电脑带回的回执包在本机导入",
    "bundle_key_missing": "本机还没有同步包密钥：请先在有网络的地方登录并同步一次",
    "bundle_relay_forbidden": "您无权为该设备的账号转交同步包（该账号不在您的管辖范围内）",
    # demo county (sync_server/demo)
    "demo_database_populated": "数据库中已有组织架构数据，未生成演示数据；如确需覆盖，请加 --force（将清空全部数据）",
}


def render(err: "DomainError") -> str:
    from .errors import ValidationErrors
    if isinstance(err, ValidationErrors):
        return err.message()
    template = MESSAGES.get(err.code)
    params = {"label": err.params.get("label") or err.field or "", **err.params}
    if template is None:
        return f"{err.code}"
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template
