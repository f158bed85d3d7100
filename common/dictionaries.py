"""The default dictionaries: stable ASCII codes are stored, Chinese labels are shown.

Dictionaries are data (DictEntry records, editable in the config centre); this is the seed that a
new database starts with. Ethnicity codes follow GB 3304.
"""
from __future__ import annotations

DEFAULTS: dict[str, list[tuple[str, str]]] = {
    "sex": [("male", "男"), ("female", "女")],
    "ethnicity": [
        ("01", "汉族"), ("05", "维吾尔族"), ("03", "回族"), ("04", "藏族"), ("02", "蒙古族"),
        ("17", "哈萨克族"), ("23", "柯尔克孜族"), ("38", "锡伯族"), ("41", "塔吉克族"),
        ("43", "乌孜别克族"), ("48", "俄罗斯族"), ("35", "东乡族"), ("44", "满族"),
        ("97", "其他"),
    ],
    "resident_type": [("registered", "户籍人口"), ("permanent", "常住人口"),
                      ("floating", "流动人口"), ("lodging", "寄住人口")],
    "person_status": [("normal", "正常"), ("deceased", "死亡"), ("moved_out", "迁出")],
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
                     ("close", "办结"), ("comment", "备注")],
    "satisfaction": [("satisfied", "满意"), ("basic", "基本满意"), ("dissatisfied", "不满意")],
    "org_level": [("county", "县"), ("township", "乡镇"), ("village", "村/社区"),
                  ("grid", "网格")],
    "role": [("county_admin", "县级管理员"), ("township_office", "乡镇/社区工作人员"),
             ("grid_worker", "网格员")],
    "ledger_binding": [("person", "人员"), ("household", "户"), ("house", "房屋")],
    "ledger_field_type": [("text", "文本"), ("int", "整数"), ("decimal", "小数"),
                          ("date", "日期"), ("bool", "是/否"), ("dict", "字典选项")],
}


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
