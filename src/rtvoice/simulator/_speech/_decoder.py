"""Tone audio to text: the transcriber side of the simulator's speech modem."""

from __future__ import annotations

import codecs

from ...audio._convert import to_pcm16
from ...audio._formats import AudioFormatName
from ...audio._pcm16 import pcm16_to_samples
from ...audio._resample import SampleResampler
from ...errors import UserError
from ._analysis import ToneAnalyzer
from ._framing import UTTERANCE_END, FrameReader
from ._plan import ANALYSIS_RATE

__all__ = ["SpeechDecoder", "decode_speech", "transcribe"]

UTTERANCE_SEPARATOR = " "
"""Joins the texts of consecutive utterances in one stream."""


class SpeechDecoder:
    """Streaming transcriber for audio made by :func:`~rtvoice.simulator.encode_speech`.

    Feed PCM16 in chunks of any size (odd byte counts included) and get back the text decoded
    so far, a few tens of milliseconds behind the audio; call :meth:`flush` at the end of the
    stream. The concatenation of everything returned equals :func:`transcribe` of the whole
    stream, however it was chunked.

    What it tolerates: silence or noise of any length around and between utterances, any
    sample rate (audio is resampled to 8 kHz first; encode at one rate and decode at another),
    G.711 round trips, gain changes and clipping, and white noise down to about 10 dB SNR.
    Silence or noise alone decodes to "".

    Several utterances in one stream decode to their texts joined by a single space (an empty
    utterance adds nothing). An utterance cut short yields the text read up to the cut.

    Not thread-safe; use one decoder per stream.
    """

    __slots__ = (
        "_analyzer",
        "_emitted",
        "_pending_byte",
        "_reader",
        "_resampler",
        "_separate",
        "_utf8",
        "rate",
    )

    def __init__(self, rate: int) -> None:
        """Create a decoder for PCM16 at ``rate`` Hz (any rate; 8, 16 and 24 kHz are typical).

        Raises:
            UserError: ``rate`` is not a positive integer.
        """
        if not isinstance(rate, int) or isinstance(rate, bool) or rate <= 0:
            raise UserError(f"rate must be a positive integer (Hz), got {rate!r}")
        self.rate = rate
        """The sample rate of the PCM16 fed in, in Hz."""
        self._resampler = None if rate == ANALYSIS_RATE else SampleResampler(rate, ANALYSIS_RATE)
        self._analyzer = ToneAnalyzer()
        self._reader = FrameReader()
        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending_byte = b""
        self._emitted = False  # some text came out of this stream already
        self._separate = False  # the next text opens a later utterance

    @property
    def in_utterance(self) -> bool:
        """Whether the decoder has locked on an utterance whose end it has not read yet."""
        return self._reader.in_utterance

    def feed(self, pcm16: bytes) -> str:
        """Decode the next chunk of the stream.

        Returns:
            The text newly decoded (often ""), to be appended to what came before.
        """
        data = self._pending_byte + pcm16 if self._pending_byte else pcm16
        whole = len(data) & ~1
        self._pending_byte = bytes(data[whole:])
        samples = pcm16_to_samples(data[:whole]).tolist()
        if self._resampler is not None:
            samples = self._resampler.process(samples)
        return self._read(self._analyzer.push(samples))

    def flush(self) -> str:
        """End the stream: decode what is left and reset for a new stream.

        A dangling half sample is dropped, and an utterance still open is closed (its text so
        far counts).

        Returns:
            The text newly decoded.
        """
        self._pending_byte = b""
        vectors = []
        if self._resampler is not None:
            vectors += self._analyzer.push(self._resampler.flush())
        vectors += self._analyzer.pad_block()
        text = self._read(vectors) + self._text(self._reader.finish())
        self._analyzer = ToneAnalyzer()
        self._utf8.reset()
        self._emitted = self._separate = False
        return text

    def _read(self, vectors: list[list[float]]) -> str:
        events: list[int] = []
        for vector in vectors:
            events += self._reader.push(vector)
        return self._text(events)

    def _text(self, events: list[int]) -> str:
        pieces = []
        run = bytearray()
        for event in events:
            if event != UTTERANCE_END:
                run.append(event)
                continue
            pieces.append(self._utterance_text(bytes(run), final=True))
            run.clear()
        pieces.append(self._utterance_text(bytes(run), final=False))
        return "".join(pieces)

    def _utterance_text(self, data: bytes, *, final: bool) -> str:
        text = self._utf8.decode(data, final)
        if final:
            self._utf8.reset()
        if text and self._separate:
            text = UTTERANCE_SEPARATOR + text
            self._separate = False
        if text:
            self._emitted = True
        if final and self._emitted:
            self._separate = True
        return text


def transcribe(pcm16: bytes, rate: int) -> str:
    """Decode a whole PCM16 buffer at ``rate`` Hz made of :func:`encode_speech` utterances.

    Returns:
        The utterances' texts joined by single spaces; "" for silence or noise.

    Raises:
        UserError: ``rate`` is not a positive integer.
    """
    decoder = SpeechDecoder(rate)
    return decoder.feed(pcm16) + decoder.flush()


def decode_speech(data: bytes, fmt: AudioFormatName = "pcm16") -> str:
    """Decode wire-format audio (``fmt``) made of :func:`encode_speech` utterances.

    Raises:
        UserError: ``fmt`` is not a known format name.
    """
    pcm16, rate = to_pcm16(data, fmt)
    return transcribe(pcm16, rate)
