"""WeChat request signatures and AES message encryption (safe and compatible modes)."""
from __future__ import annotations

import binascii
import hmac
import struct

from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException
from wechatpy.utils import WeChatSigner


class BadSignature(Exception):
    """The request was not signed with our token."""


class BadCiphertext(Exception):
    """The encrypted payload could not be decrypted or belongs to another app."""


def signature(*parts: str) -> str:
    """WeChat's signature: SHA-1 of the sorted, concatenated parts."""
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def check(expected_parts: tuple[str, ...], given: str) -> None:
    """Constant-time comparison of a request's signature with the one we compute."""
    if not given or not hmac.compare_digest(signature(*expected_parts), given):
        raise BadSignature()


class MessageCrypto:
    """Encrypt replies and decrypt requests with the EncodingAESKey (wraps wechatpy)."""

    def __init__(self, token: str, aes_key: str, app_id: str) -> None:
        self._crypto = WeChatCrypto(token, aes_key, app_id)
        self._prp = PrpCrypto(self._crypto.key)
        self.token = token
        self.app_id = app_id

    def decrypt(self, encrypted: str, msg_signature: str, timestamp: str, nonce: str) -> str:
        check((self.token, timestamp, nonce, encrypted), msg_signature)
        try:
            return self._prp.decrypt(encrypted, self.app_id)
        except (ValueError, binascii.Error, IndexError, UnicodeDecodeError, struct.error,
                InvalidAppIdException) as exc:
            raise BadCiphertext(type(exc).__name__) from exc

    def encrypt(self, xml: str, nonce: str, timestamp: str) -> str:
        return self._crypto.encrypt_message(xml, nonce, timestamp)
