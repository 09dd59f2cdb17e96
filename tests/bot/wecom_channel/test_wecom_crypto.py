"""WXBizMsgCrypt against the official published test vectors (sbzhu/weworkapi_python,
callback/Sample.py), round trips and tampered input."""

from __future__ import annotations

import base64
import struct

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bot.wecom.crypto import (
    DecryptError,
    KeyFormatError,
    ReceiveIdError,
    SignatureError,
    WXBizMsgCrypt,
    pkcs7_pad,
    pkcs7_unpad,
)
from bot.wecom.xml import XmlError, parse_envelope, parse_message

# The official sample (weworkapi_python/callback/Sample.py).
TOKEN = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
AES_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
CORP_ID = "ww1436e0e65a779aee"
VERIFY = {
    "msg_signature": "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb",
    "timestamp": "1476416373",
    "nonce": "47744683",
    "echostr": "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==",
}
POST_SIG = "0c3914025cb4b4d68103f6bfc8db550f79dcf48e"
POST_TS = "1476422779"
POST_NONCE = "1597212914"
POST_BODY = (
    "<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName>\n"
    "<Encrypt><![CDATA[Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AI"
    "jeLvEl3NyeTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sq"
    "fde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7M"
    "hmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwa"
    "WbvL6aSDPOYuPDGOCI8jmnKiypE+]]></Encrypt>\n<AgentID><![CDATA[1000002]]></AgentID>\n</xml>"
)


@pytest.fixture
def official() -> WXBizMsgCrypt:
    return WXBizMsgCrypt(TOKEN, AES_KEY, CORP_ID)


def test_official_url_verification(official: WXBizMsgCrypt) -> None:
    assert official.verify_url(**VERIFY) == "1288432023552776189"


def test_official_message_decrypts_to_the_sample_xml(official: WXBizMsgCrypt) -> None:
    envelope = parse_envelope(POST_BODY)
    assert envelope.agent_id == "1000002"
    inner = official.decrypt_message(POST_SIG, POST_TS, POST_NONCE, envelope.encrypt)
    msg = parse_message(inner)
    assert (msg.from_user, msg.msg_type, msg.content, msg.msg_id) == (
        "ChenJiaShun",
        "text",
        "你好",
        "1456453720",
    )
    assert msg.to_user == CORP_ID and msg.create_time == 1476422779


def test_official_signature_is_reproduced(official: WXBizMsgCrypt) -> None:
    encrypt = parse_envelope(POST_BODY).encrypt
    assert official.signature(POST_TS, POST_NONCE, encrypt) == POST_SIG
    assert (
        official.signature(VERIFY["timestamp"], VERIFY["nonce"], VERIFY["echostr"])
        == (VERIFY["msg_signature"])
    )


def test_round_trip_with_chinese_text(official: WXBizMsgCrypt) -> None:
    message = "<xml><Content><![CDATA[单位没给我交养老保险]]></Content></xml>"
    encrypted, signature = official.encrypt_message(message, "1700000000", "42")
    assert official.decrypt_message(signature, "1700000000", "42", encrypted) == message
    # 16 random bytes: the same message never encrypts the same way twice.
    assert official.encrypt(message) != official.encrypt(message)
    # The padded plaintext is a whole number of 32-byte blocks (WeChat Work's PKCS#7 block).
    assert len(base64.b64decode(encrypted)) % 32 == 0


@pytest.mark.parametrize("field", ["msg_signature", "timestamp", "nonce", "echostr"])
def test_tampered_url_verification_is_refused(official: WXBizMsgCrypt, field: str) -> None:
    params = dict(VERIFY)
    value = params[field]
    params[field] = value[:-3] + ("A" if value[-3] != "A" else "B") + value[-2:]
    with pytest.raises(SignatureError):
        official.verify_url(**params)


def test_bad_signature_is_refused_before_decrypting(official: WXBizMsgCrypt) -> None:
    encrypt = parse_envelope(POST_BODY).encrypt
    with pytest.raises(SignatureError):
        official.decrypt_message("0" * 40, POST_TS, POST_NONCE, encrypt)
    other = WXBizMsgCrypt("another-token", AES_KEY, CORP_ID)
    with pytest.raises(SignatureError):
        other.decrypt_message(POST_SIG, POST_TS, POST_NONCE, encrypt)


def test_wrong_corp_id_is_refused() -> None:
    other_corp = WXBizMsgCrypt(TOKEN, AES_KEY, "ww_some_other_corp")
    encrypt = parse_envelope(POST_BODY).encrypt
    with pytest.raises(ReceiveIdError):
        other_corp.decrypt_message(POST_SIG, POST_TS, POST_NONCE, encrypt)


def _raw_encrypt(key_b64: str, plain: bytes) -> str:
    key = base64.b64decode(key_b64 + "=")
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(plain) + enc.finalize()).decode()


def test_bad_padding_is_refused(official: WXBizMsgCrypt) -> None:
    body = b"r" * 16 + struct.pack(">I", 2) + b"hi" + CORP_ID.encode()
    padded = pkcs7_pad(body)
    n = padded[-1]
    # Pad bytes that disagree with the pad length.
    broken = padded[:-2] + bytes([n ^ 1]) + bytes([n])
    with pytest.raises(DecryptError, match="padding"):
        official.decrypt(_raw_encrypt(AES_KEY, broken))
    # A pad length over the 32-byte block.
    over = body + b"\x21" * (48 - len(body))
    assert len(over) == 48
    with pytest.raises(DecryptError, match="padding length 33"):
        official.decrypt(_raw_encrypt(AES_KEY, over))
    # A zero pad length.
    zero = pkcs7_pad(body)[:-1] + b"\x00"
    with pytest.raises(DecryptError, match="padding"):
        official.decrypt(_raw_encrypt(AES_KEY, zero))


def test_pkcs7_helpers_are_strict() -> None:
    assert pkcs7_unpad(pkcs7_pad(b"x" * 32)) == b"x" * 32
    assert len(pkcs7_pad(b"x" * 32)) == 64  # a full block of padding
    with pytest.raises(DecryptError):
        pkcs7_unpad(b"x" * 15)


def test_garbage_ciphertext_and_bad_keys(official: WXBizMsgCrypt) -> None:
    with pytest.raises(DecryptError, match="base64"):
        official.decrypt("not base64 at all!!")
    with pytest.raises(DecryptError):
        official.decrypt(base64.b64encode(b"x" * 17).decode())
    with pytest.raises(KeyFormatError):
        WXBizMsgCrypt(TOKEN, AES_KEY[:-1], CORP_ID)
    with pytest.raises(KeyFormatError):
        WXBizMsgCrypt(TOKEN, AES_KEY[:-1] + "!", CORP_ID)


def test_length_field_larger_than_the_plaintext(official: WXBizMsgCrypt) -> None:
    body = b"r" * 16 + struct.pack(">I", 9999) + b"hi" + CORP_ID.encode()
    with pytest.raises(DecryptError, match="length"):
        official.decrypt(_raw_encrypt(AES_KEY, pkcs7_pad(body)))


def test_xml_is_parsed_safely() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><xml><Encrypt>&b;</Encrypt></xml>'
    )
    with pytest.raises(XmlError):
        parse_envelope(bomb)
    with pytest.raises(XmlError, match="too large"):
        parse_envelope("<xml><Encrypt>" + "A" * 70_000 + "</Encrypt></xml>")
    with pytest.raises(XmlError):
        parse_envelope("<xml><ToUserName>x</ToUserName></xml>")
    with pytest.raises(XmlError):
        parse_message("<notxml/>")
    with pytest.raises(XmlError):
        parse_message("<xml><MsgType>text</MsgType><CreateTime>soon</CreateTime></xml>")
