"""Negotiating exactly the clip's codec: pass-through cannot transcode, so the SDP must agree."""

from __future__ import annotations

from aiortc import RTCRtpSender, RTCRtpTransceiver

from harness.kernel.errors import BadInput

MIME_TYPES = {"vp8": "video/VP8", "h264": "video/H264", "opus": "audio/opus"}


def force_codec(transceiver: RTCRtpTransceiver, codec: str) -> None:
    """Offer only `codec` (plus RTX for video) on this transceiver."""
    if codec not in MIME_TYPES:
        raise BadInput("media", "codec", codec, f"one of {sorted(MIME_TYPES)}")
    mime = MIME_TYPES[codec].lower()
    capabilities = RTCRtpSender.getCapabilities(transceiver.kind)
    assert capabilities is not None
    chosen = [c for c in capabilities.codecs if c.mimeType.lower() in (mime, "video/rtx")]
    transceiver.setCodecPreferences(chosen)
