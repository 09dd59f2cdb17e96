"""Media from the channels (issue 15): download helpers per channel and offline OCR.

``bot.media.telegram`` (``getFile`` + download through PTB), ``bot.media.wecom``
(``media/get`` for 微信客服 and the self-built app), ``bot.media.ocr`` (optional extra
``yichuang[ocr]``) and ``bot.media.suggest`` (what a photo says, as questions to confirm).
Each turns channel data into ``backend.attachments.Upload`` or a ``Refused`` sentence.
"""


class DownloadFailed(Exception):
    """The channel did not hand the file over (network, server); the message is one sentence
    for the user (send it, and let them try again)."""


DOWNLOAD_FAILED = "文件没有收到（下载失败），请稍后重新发送。"
