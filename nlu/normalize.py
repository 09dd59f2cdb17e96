"""Text normalisation that keeps character offsets.

``align`` maps every character of the original text to exactly one character, so an offset in
the normalised text is the same offset in the original: entities found in normalised text point
into the text the user wrote. ``fold`` goes further (lower case, collapsed spaces, digit runs
folded) and is only used for the classifier, which needs no offsets.
"""

from __future__ import annotations

import re
import unicodedata

# Traditional -> simplified for the characters this domain uses (a full converter such as
# OpenCC is not worth a dependency: the classifier also has character n-grams to fall back on).
_T2S_PAIRS = (
    "會会 險险 費费 繳缴 滯滞 納纳 稅税 務务 單单 號号 碼码 們们 這这 個个 說说 話话 謝谢 "
    "請请 問问 題题 麼么 為为 還还 沒没 錢钱 從从 來来 時时 間间 對对 點点 當当 過过 後后 "
    "裡里 裏里 長长 開开 關关 門门 員员 區区 鄉乡 鎮镇 縣县 廠厂 業业 醫医 療疗 養养 資资 "
    "給给 記记 錄录 態态 處处 辦办 報报 雜杂 轉转 確确 認认 證证 電电 聯联 繫系 網网 動动 "
    "勞劳 嗎吗 實实 際际 應应 該该 錯错 誤误 統统 計计 帳账 賬账 戶户 額额 補补 銀银 條条 "
    "隊队 幫帮 頭头 讓让 聽听 見见 現现 發发 樣样 經经 濟济 與与 參参 權权 義义 識识 標标 "
    "準准 層层 屬属 歲岁 農农 劃划 憑凭 據据 擔担 導导 遲迟 簡简 訴诉 訟讼 師师 難难 陽阳 "
    "東东 車车 龍龙 聞闻 顧顾 項项 須须 領领 餘余 館馆 驗验 體体 鬧闹 黃黄 齡龄 歷历 "
    "壓压 扣扣 傷伤 災灾 職职 聘聘 雇雇 僱雇 薪薪 資资 級级 數数 據据 檢检 査查 徵征 "
    "欠欠 催催 強强 執执 罰罚 利利 息息 退退 紀纪 斷断 續续 線线 統统 腦脑 辭辞 約约 "
    "裁裁 決决 仲仲 窗窗 務务 惡恶 氣气 罵骂 慢慢 推推 諉诿 跑跑 趟趟 卡卡 補补 貼贴 "
    "購购 買买 賣卖 價价 貴贵 產产 婦妇 孕孕 兒儿 媽妈 爺爷 奶奶 親亲 邊边 劉刘 張张 陳陈 "
    "楊杨 趙赵 孫孙 馬马 鄭郑 鄧邓 許许 韓韩 馮冯 蕭萧 葉叶 蘇苏 羅罗 呂吕 魏魏 盧卢 "
    "麥麦 譚谭 錢钱 萬万 億亿 兩两 塊块 幾几 級级 號号 碼码 傳传 遞递 訊讯 息息 步步 "
    "貨货 運运 輸输 監监 營营 豐丰 廣广 慶庆 靈灵 活活 撫抚 恤恤 喪丧 葬葬 費费 療疗 "
    "診诊 藥药 復复 麵面 衛卫 護护 士士 歸归 檔档 調调 解解 諮咨 詢询 谘咨 嗎吗 "
    "啟启 軟软 體体 登登 錄录 碼码 驗验 證证 漲涨 虧亏 虛虚 擬拟 異异 議议 訪访 媒媒 "
    "曝曝 訴诉 頁页 辦办 鐘钟 鍾钟 齊齐 龐庞 獨独 孤孤 殘残 疾疾 貧贫 困困 補补 償偿"
)
_T2S = {ord(pair[0]): pair[1] for pair in _T2S_PAIRS.split() if pair[0] != pair[1]}

# Same-length fixes for common homophone typos (社宝 for 社保...). Same length keeps offsets.
_TYPOS: tuple[tuple[str, str], ...] = (
    ("社宝", "社保"),
    ("舍保", "社保"),
    ("设保", "社保"),
    ("医宝", "医保"),
    ("一保", "医保"),
    ("滞纳斤", "滞纳金"),
    ("滞纳今", "滞纳金"),
    ("滞纳进", "滞纳金"),
    ("制纳金", "滞纳金"),
    ("至纳金", "滞纳金"),
    ("基树", "基数"),
    ("记彔", "记录"),
    ("养老宝", "养老保"),
    ("退废", "退费"),
    ("交废", "交费"),
    ("缴废", "缴费"),
    ("待预", "待遇"),
    ("代遇", "待遇"),
    ("参宝", "参保"),
    ("工商保险", "工伤保险"),
    ("生肓", "生育"),
)
_TYPO_RE = re.compile("|".join(re.escape(a) for a, _ in _TYPOS))
_TYPO_MAP = dict(_TYPOS)

_SPACE_LIKE = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Co", "Cs"})
_DIGIT_RUN = re.compile(r"\d+(?:\.\d+)?")
_SPACES = re.compile(r"\s+")


def _char(ch: str) -> str:
    code = ord(ch)
    if 0xFF01 <= code <= 0xFF5E:  # full-width ASCII block
        return chr(code - 0xFEE0)
    if code == 0x3000:
        return " "
    if ch in "\n\t":
        return " "
    if code < 0x80:
        return ch
    if unicodedata.category(ch) in _SPACE_LIKE:
        return " "
    return _T2S.get(code, ch)


#: Markup pasted with a message (a complaint copied from a web page or a mail: <b>, <a href>,
#: <br>, &nbsp;): read as the text it wraps. Bounded: a tag is at most 300 characters long.
_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]{0,10})(?:\s[^<>]{0,300})?/?>|<!--[^<>]{0,300}-->")
_ENTITY = re.compile(r"&(?:nbsp|amp|lt|gt|quot|apos|#\d{1,6}|#[xX][0-9a-fA-F]{1,6});")
#: Tags that break a line: they become a comma, so the sentences around stay apart.
_BLOCK_TAGS = frozenset(
    {"br", "p", "div", "li", "tr", "td", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table"}
)
_ENTITY_CHARS = {"&nbsp;": " ", "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"',
                 "&apos;": "'"}  # fmt: skip


def _blank_tag(m: re.Match[str]) -> str:
    size = len(m.group(0))
    if (m.group(1) or "").lower() in _BLOCK_TAGS:
        return "，" + " " * (size - 1)
    return " " * size


def _blank_entity(m: re.Match[str]) -> str:
    said = m.group(0)
    return _ENTITY_CHARS.get(said.lower(), " ").ljust(len(said))


def blank_markup(text: str) -> str:
    """HTML tags and character entities replaced by spaces (a line-breaking tag by "，"), the
    length kept: offsets in the result are offsets in ``text``."""
    if "<" in text:
        text = _TAG.sub(_blank_tag, text)
    if "&" in text:
        text = _ENTITY.sub(_blank_entity, text)
    return text


def align(text: str) -> str:
    """Full-width -> half-width, control/format characters -> space, traditional -> simplified,
    common typos fixed, markup blanked. The result has exactly ``len(text)`` characters."""
    out = "".join(_char(ch) for ch in blank_markup(text))
    if _TYPO_RE.search(out):
        out = _TYPO_RE.sub(lambda m: _TYPO_MAP[m.group(0)], out)
    return out


def fold(text: str, limit: int = 600) -> str:
    """What the classifier sees: aligned, lower case, one space between words, digit runs
    folded to ``0`` (a phone number says nothing about the category), at most ``limit`` chars."""
    s = align(text[: limit * 2]).lower()
    s = _DIGIT_RUN.sub("0", s)
    s = _SPACES.sub(" ", s).strip()
    return s[:limit]
