"""The Twilio Media Streams frames, both ways, from literal JSON; the mark ledger; TwiML."""

from __future__ import annotations

import json
import subprocess
import sys
from base64 import b64encode

import pytest

from rtvoice.errors import UserError
from rtvoice.integrations.twilio import (
    ClearFrame,
    ConnectedFrame,
    DtmfFrame,
    FrameWriter,
    MalformedFrameError,
    MarkFrame,
    MarkLedger,
    MediaFormat,
    MediaFrame,
    OtherFrame,
    StartFrame,
    StopFrame,
    check_twilio_signature,
    connect_stream_twiml,
    encode_frame,
    read_app_frame,
    read_twilio_frame,
)
from rtvoice.simulator.twilio import read_connect_stream, twilio_signature

SID = "MZ18ad3ab5a668481ce02b83e7395059f0"

# Frames as Twilio documents them (numbers as strings, as Twilio sends them).
CONNECTED = '{"event": "connected", "protocol": "Call", "version": "1.0.0"}'
START = json.dumps(
    {
        "event": "start",
        "sequenceNumber": "1",
        "start": {
            "accountSid": "AC123",
            "streamSid": SID,
            "callSid": "CA456",
            "tracks": ["inbound"],
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            "customParameters": {"caller": "+15550100", "lang": "fr"},
        },
        "streamSid": SID,
    }
)
MEDIA = json.dumps(
    {
        "event": "media",
        "sequenceNumber": "3",
        "media": {"track": "inbound", "chunk": "1", "timestamp": "5", "payload": "/34A"},
        "streamSid": SID,
    }
)
MARK = json.dumps(
    {"event": "mark", "sequenceNumber": "4", "streamSid": SID, "mark": {"name": "my label"}}
)
DTMF = json.dumps(
    {
        "event": "dtmf",
        "streamSid": SID,
        "sequenceNumber": "5",
        "dtmf": {"track": "inbound_track", "digit": "1"},
    }
)
STOP = json.dumps(
    {
        "event": "stop",
        "sequenceNumber": "6",
        "stop": {"accountSid": "AC123", "callSid": "CA456"},
        "streamSid": SID,
    }
)


def test_every_frame_twilio_sends_is_read() -> None:
    assert read_twilio_frame(CONNECTED) == ConnectedFrame(protocol="Call", version="1.0.0")
    assert read_twilio_frame(START) == StartFrame(
        stream_sid=SID,
        call_sid="CA456",
        account_sid="AC123",
        tracks=("inbound",),
        custom_parameters={"caller": "+15550100", "lang": "fr"},
        media_format=MediaFormat(encoding="audio/x-mulaw", sample_rate=8000, channels=1),
        sequence_number=1,
    )
    assert read_twilio_frame(MEDIA) == MediaFrame(
        stream_sid=SID,
        payload=b"\xff\x7e\x00",
        track="inbound",
        chunk=1,
        timestamp=5,
        sequence_number=3,
    )
    assert read_twilio_frame(MARK) == MarkFrame(stream_sid=SID, name="my label", sequence_number=4)
    assert read_twilio_frame(DTMF) == DtmfFrame(stream_sid=SID, digit="1", sequence_number=5)
    assert read_twilio_frame(STOP) == StopFrame(
        stream_sid=SID, call_sid="CA456", account_sid="AC123", sequence_number=6
    )


@pytest.mark.parametrize("text", [CONNECTED, START, MEDIA, MARK, DTMF, STOP])
def test_every_twilio_frame_survives_writing_and_reading_again(text: str) -> None:
    frame = read_twilio_frame(text)
    assert read_twilio_frame(encode_frame(frame)) == frame
    # Bytes (a binary frame) read the same.
    assert read_twilio_frame(text.encode()) == frame


def test_the_frames_an_application_sends_are_written_as_twilio_reads_them() -> None:
    writer = FrameWriter(SID)
    media = json.loads(writer.media(b"\x00\xff"))
    assert media == {"event": "media", "streamSid": SID, "media": {"payload": "AP8="}}
    assert json.loads(writer.mark('say "hi"')) == {
        "event": "mark",
        "streamSid": SID,
        "mark": {"name": 'say "hi"'},
    }
    assert json.loads(writer.clear()) == {"event": "clear", "streamSid": SID}
    # The writer and the general encoder agree, and the application's side reads them back.
    assert read_app_frame(writer.media(b"\x01\x02")) == MediaFrame(
        stream_sid=SID, payload=b"\x01\x02"
    )
    assert read_app_frame(writer.mark("m1")) == MarkFrame(stream_sid=SID, name="m1")
    assert read_app_frame(writer.clear()) == ClearFrame(stream_sid=SID)
    for frame in (
        MediaFrame(stream_sid=SID, payload=b"abc"),
        MarkFrame(stream_sid=SID, name="x"),
        ClearFrame(stream_sid=SID),
    ):
        assert read_app_frame(encode_frame(frame)) == frame


def test_a_stream_sid_that_needs_escaping_stays_valid_json() -> None:
    writer = FrameWriter('MZ"\\\n')
    assert json.loads(writer.clear())["streamSid"] == 'MZ"\\\n'
    assert json.loads(writer.media(b"\x00"))["streamSid"] == 'MZ"\\\n'


def test_an_unknown_event_is_kept_not_refused() -> None:
    frame = read_twilio_frame('{"event": "newthing", "streamSid": "MZ1", "x": 1}')
    assert frame == OtherFrame(
        event="newthing", data={"event": "newthing", "streamSid": "MZ1", "x": 1}
    )
    assert read_app_frame('{"event": "later"}') == OtherFrame(
        event="later", data={"event": "later"}
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "JSON object"),
        ('{"streamSid": "MZ1"}', "'event'"),
        ('{"event": 3}', "'event'"),
        ('{"event": "media", "streamSid": "MZ1"}', "'media' object"),
        ('{"event": "media", "streamSid": "MZ1", "media": {}}', "media.payload"),
        ('{"event": "media", "streamSid": "MZ1", "media": {"payload": "@@@"}}', "not base64"),
        ('{"event": "media", "media": {"payload": ""}}', "streamSid"),
        ('{"event": "media", "streamSid": "MZ1", "media": {"payload": "", "chunk": "x"}}', "chunk"),
        ('{"event": "mark", "streamSid": "MZ1", "mark": {}}', "mark.name"),
        ('{"event": "mark", "streamSid": "MZ1"}', "'mark' object"),
        ('{"event": "dtmf", "streamSid": "MZ1", "dtmf": {"digit": 1}}', "dtmf.digit"),
        ('{"event": "start", "start": {}}', "start.streamSid"),
        (
            '{"event": "start", "start": {"streamSid": "MZ1", "customParameters": [1]}}',
            "customParameters",
        ),
        ('{"event": "start", "start": {"streamSid": "MZ1", "tracks": "inbound"}}', "tracks"),
        ('{"event": "stop", "stop": {}}', "streamSid"),
    ],
)
def test_a_malformed_frame_raises_an_error_naming_the_problem(text: str, says: str) -> None:
    with pytest.raises(MalformedFrameError, match=says) as caught:
        read_twilio_frame(text)
    assert caught.value.frame == text[:200]


def test_the_application_side_refuses_malformed_frames_too() -> None:
    with pytest.raises(MalformedFrameError, match="streamSid"):
        read_app_frame('{"event": "clear"}')
    with pytest.raises(MalformedFrameError, match="not base64"):
        read_app_frame('{"event": "media", "streamSid": "MZ1", "media": {"payload": "!"}}')


def test_the_ledger_turns_echoes_into_played_chunks_in_order() -> None:
    ledger = MarkLedger()
    first = ledger.sent("item_a", 0, 800)
    second = ledger.sent("item_a", 0, 400)
    third = ledger.sent("item_b", 0, 160)
    assert len({first, second, third}) == 3
    assert ledger.echoed(first) == [("item_a", 0, 800)]
    # An echo accounts for an earlier mark whose own echo was lost.
    assert ledger.echoed(third) == [("item_a", 0, 400), ("item_b", 0, 160)]
    assert ledger.echoed(second) == []  # already accounted for
    assert ledger.echoed("someone-else's") == []
    assert ledger.pending == 0


def test_echoes_after_a_clear_account_for_nothing() -> None:
    ledger = MarkLedger()
    played = ledger.sent("item_a", 0, 800)
    dropped = [ledger.sent("item_a", 0, 800) for _ in range(3)]
    assert ledger.echoed(played) == [("item_a", 0, 800)]
    assert ledger.clear() == 3
    assert [ledger.echoed(name) for name in dropped] == [[], [], []]
    after = ledger.sent("item_b", 0, 160)
    assert ledger.echoed(after) == [("item_b", 0, 160)]


def test_twiml_connects_the_stream_with_escaped_parameters() -> None:
    twiml = connect_stream_twiml(
        "wss://example.test/media-stream?a=1&b=2", {"caller": '"Bob" <+1555>', "lang": "fr&en"}
    )
    assert twiml.startswith('<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream ')
    assert "a=1&amp;b=2" in twiml
    assert "&quot;Bob&quot; &lt;+1555&gt;" in twiml
    assert read_connect_stream(twiml) == (
        "wss://example.test/media-stream?a=1&b=2",
        {"caller": '"Bob" <+1555>', "lang": "fr&en"},
    )
    bare = connect_stream_twiml("ws://127.0.0.1:8080/media-stream")
    assert read_connect_stream(bare) == ("ws://127.0.0.1:8080/media-stream", {})


def test_twiml_refuses_a_url_twilio_cannot_stream_to() -> None:
    with pytest.raises(UserError, match="wss://"):
        connect_stream_twiml("https://example.test/media-stream")
    with pytest.raises(UserError, match="strings"):
        connect_stream_twiml("wss://example.test/s", {"n": 1})  # type: ignore[dict-item]


def test_the_signature_check_uses_twilio_s_algorithm() -> None:
    pytest.importorskip("twilio")
    url = "https://example.test/incoming-call"
    params = {"CallSid": "CA1", "From": "+15550100", "To": "+15550200"}
    good = twilio_signature("secret-token", url, params)
    # The simulated Twilio's signature (written here from the documented algorithm) and
    # the official package's validator agree.
    assert check_twilio_signature("secret-token", url, params, good)
    assert not check_twilio_signature("other-token", url, params, good)
    assert not check_twilio_signature("secret-token", url, {**params, "To": "+1"}, good)
    assert not check_twilio_signature("secret-token", url, params, None)
    assert not check_twilio_signature("secret-token", url, params, b64encode(b"x").decode())


def run_python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_integration_loads_no_web_framework_and_no_optional_package() -> None:
    loaded = run_python(
        "import sys, rtvoice.integrations.twilio, rtvoice.simulator.twilio\n"
        "print(sorted(m for m in ('aiohttp', 'starlette', 'twilio') if m in sys.modules))"
    )
    assert loaded == "[]"


def test_without_the_twilio_extra_the_signature_check_names_it() -> None:
    # A child interpreter where the twilio package cannot be imported, as after a plain
    # `pip install rtvoice`.
    said = run_python(
        "import sys; sys.modules['twilio'] = None\n"
        "from rtvoice.errors import UserError\n"
        "from rtvoice.integrations.twilio import check_twilio_signature\n"
        "try:\n"
        "    check_twilio_signature('token', 'https://x.test/', {}, 'sig')\n"
        "except UserError as error:\n"
        "    print(error)\n"
    )
    assert "pip install 'rtvoice[twilio]'" in said
