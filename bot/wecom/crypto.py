"""WeChat Work callback encryption (WXBizMsgCrypt), per the official algorithm.

- signature: SHA1 over the sorted strings [token, timestamp, nonce, ciphertext], hex;
- cipher: AES-256-CBC, key = base64(EncodingAESKey + "="), IV = key[:16];
- padding: PKCS#7 with a 32-byte block (not AES's 16), checked strictly on the way in;
- plaintext: 16 random bytes + 4-byte network-order length + message + receive id (corp id).

Every problem raises a ``WeComCryptoError`` subclass whose message says what was wrong; the
callback routes turn a bad signature into 403.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32  # PKCS#7 block size WeChat Work uses (twice the AES block)
_RANDOM_LEN = 16
_LEN_LEN = 4


class WeComCryptoError(Exception):
    """A callback could not be verified, decrypted or encrypted."""


class SignatureError(WeComCryptoError):
    """The msg_signature does not match: not from WeChat Work (or the token is wrong)."""


class DecryptError(WeComCryptoError):
    """The ciphertext is not valid base64/AES/padding/layout."""


class ReceiveIdError(WeComCryptoError):
    """The message decrypted but was meant for another corp (receive id mismatch)."""


class KeyFormatError(WeComCryptoError):
    """The EncodingAESKey is not 43 base64 characters."""


def decode_aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key from the 43-character EncodingAESKey."""
    if len(encoding_aes_key) != 43:
        raise KeyFormatError(f"EncodingAESKey must be 43 characters, got {len(encoding_aes_key)}")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyFormatError(f"EncodingAESKey is not base64: {exc}") from None
    if len(key) != 32:  # pragma: no cover - 43 valid chars + "=" always decode to 32 bytes
        raise KeyFormatError("EncodingAESKey does not decode to 32 bytes")
    return key


def pkcs7_pad(data: bytes, block: int = BLOCK) -> bytes:
    n = block - len(data) % block
    return data + bytes([n]) * n


def pkcs7_unpad(data: bytes, block: int = BLOCK) -> bytes:
    """Remove PKCS#7 padding; anything but a well-formed 1..block pad is an error."""
    if not data or len(data) % 16:
        raise DecryptError("decrypted data is not a whole number of AES blocks")
    n = data[-1]
    if n < 1 or n > block or n > len(data):
        raise DecryptError(f"bad PKCS#7 padding length {n}")
    if data[-n:] != bytes([n]) * n:
        raise DecryptError("bad PKCS#7 padding bytes")
    return data[:-n]


class WXBizMsgCrypt:
    """Verify, decrypt and encrypt callbacks for one (token, EncodingAESKey, corp id)."""

    def __init__(self, token: str, encoding_aes_key: str, receive_id: str) -> None:
        if not token:
            raise WeComCryptoError("callback token is empty")
        if not receive_id:
            raise WeComCryptoError("receive id (corp id) is empty")
        self._token = token
        self._key = decode_aes_key(encoding_aes_key)
        self._receive_id = receive_id

    # --- signature ---------------------------------------------------------------------

    def signature(self, timestamp: str, nonce: str, encrypted: str) -> str:
        parts = sorted([self._token, timestamp, nonce, encrypted])
        return hashlib.sha1("".join(parts).encode("utf-8")).hexdigest()

    def verify_signature(
        self, msg_signature: str, timestamp: str, nonce: str, encrypted: str
    ) -> None:
        expected = self.signature(timestamp, nonce, encrypted)
        if not hmac.compare_digest(expected.encode("ascii"), msg_signature.lower().encode("utf-8")):
            raise SignatureError("msg_signature does not match")

    # --- AES ---------------------------------------------------------------------------

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def decrypt(self, encrypted: str) -> bytes:
        """The message bytes inside ``encrypted`` (base64), with the receive id checked."""
        try:
            raw = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise DecryptError(f"ciphertext is not base64: {exc}") from None
        if not raw or len(raw) % 16:
            raise DecryptError("ciphertext length is not a multiple of the AES block")
        decryptor = self._cipher().decryptor()
        plain = pkcs7_unpad(decryptor.update(raw) + decryptor.finalize())
        if len(plain) < _RANDOM_LEN + _LEN_LEN:
            raise DecryptError("plaintext too short")
        (length,) = struct.unpack(">I", plain[_RANDOM_LEN : _RANDOM_LEN + _LEN_LEN])
        start = _RANDOM_LEN + _LEN_LEN
        if start + length > len(plain):
            raise DecryptError("message length field exceeds the plaintext")
        message = plain[start : start + length]
        receive_id = plain[start + length :]
        if not hmac.compare_digest(receive_id, self._receive_id.encode("utf-8")):
            raise ReceiveIdError("receive id does not match the corp id")
        return message

    def encrypt(self, message: bytes | str, random16: bytes | None = None) -> str:
        """base64 ciphertext of ``message`` (replies, and tests playing WeChat Work)."""
        body = message.encode("utf-8") if isinstance(message, str) else message
        nonce = random16 if random16 is not None else os.urandom(_RANDOM_LEN)
        if len(nonce) != _RANDOM_LEN:
            raise WeComCryptoError("random prefix must be 16 bytes")
        plain = nonce + struct.pack(">I", len(body)) + body + self._receive_id.encode("utf-8")
        encryptor = self._cipher().encryptor()
        raw = encryptor.update(pkcs7_pad(plain)) + encryptor.finalize()
        return base64.b64encode(raw).decode("ascii")

    # --- the two callback operations -----------------------------------------------------

    def verify_url(self, msg_signature: str, timestamp: str, nonce: str, echostr: str) -> str:
        """GET URL verification: check the signature, return the decrypted echostr."""
        self.verify_signature(msg_signature, timestamp, nonce, echostr)
        return self.decrypt(echostr).decode("utf-8")

    def decrypt_message(
        self, msg_signature: str, timestamp: str, nonce: str, encrypted: str
    ) -> str:
        """POST callback: check the signature over the <Encrypt> text, return the inner XML."""
        self.verify_signature(msg_signature, timestamp, nonce, encrypted)
        try:
            return self.decrypt(encrypted).decode("utf-8")
        except UnicodeDecodeError:
            raise DecryptError("message is not UTF-8") from None

    def encrypt_message(
        self, message: str, timestamp: str, nonce: str, random16: bytes | None = None
    ) -> tuple[str, str]:
        """(ciphertext, msg_signature) for ``message``."""
        encrypted = self.encrypt(message, random16)
        return encrypted, self.signature(timestamp, nonce, encrypted)
