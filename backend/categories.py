"""Backend copies of the shared label sets (``backend`` imports nothing from ``nlu``).

A test keeps them in step with ``nlu.types``.
"""

from __future__ import annotations

CATEGORY_NAMES: dict[str, str] = {
    "registration": "参保登记、关系转移",
    "info_transfer": "登记信息传递",
    "contribution_base": "缴费基数申报",
    "contribution_amount": "缴费金额、应缴费额",
    "special_assessment": "特殊缴费核定",
    "late_fee": "滞纳金（利息）加收",
    "refund": "退（抵）费",
    "benefits": "待遇核定和支付",
    "arrears": "征缴检查、欠费追缴",
    "payment_record": "缴费记录异议",
    "payment_system": "系统原因无法申报、缴纳、退付",
    "labor_relation": "职工与用人单位的参保、基数纠纷",
    "service": "经办和缴费服务不满意",
    "other": "其他征缴争议",
}
CATEGORIES: tuple[str, ...] = tuple(CATEGORY_NAMES)

INSURANCE_TYPES: dict[str, str] = {
    "pension": "养老保险",
    "medical": "医疗保险",
    "unemployment": "失业保险",
    "work_injury": "工伤保险",
    "maternity": "生育保险",
    "resident_pension": "城乡居民养老保险",
    "resident_medical": "城乡居民医疗保险",
}

TIER_NAMES: dict[str, str] = {
    "simple": "简易事项",
    "general": "一般事项",
    "complex": "重大疑难事项",
}
TIERS: tuple[str, ...] = tuple(TIER_NAMES)


def category_label(category: str) -> str:
    return CATEGORY_NAMES.get(category, category)


def tier_label(tier: str) -> str:
    return TIER_NAMES.get(tier, tier)
