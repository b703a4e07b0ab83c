"""The local realtime server (the simulator), and the speech it can hear.

:func:`encode_speech` turns text into audio that :func:`transcribe` and
:class:`SpeechDecoder` turn back into the text, so audio in and out can be tested end to end
with no real model.
"""

from __future__ import annotations

from ._speech import SpeechDecoder, decode_speech, encode_speech, transcribe

__all__ = ["SpeechDecoder", "decode_speech", "encode_speech", "transcribe"]
