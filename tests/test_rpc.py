"""OCPP-J framing (Part 4 §4): every malformed frame gets the prescribed answer."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station.ocpp import rpc
from station.ocpp.rpc import Call, CallError, CallResult, ErrorCode, FrameError


def reply_to(text):
    with pytest.raises(FrameError) as caught:
        rpc.decode(text)
    return caught.value.reply


def test_call_is_decoded():
    frame = rpc.decode('[2,"id-1","Heartbeat",{}]')
    assert frame == Call("id-1", "Heartbeat", {})


def test_callresult_and_callerror_are_decoded():
    assert rpc.decode('[3,"a",{"x":1}]') == CallResult("a", {"x": 1})
    assert rpc.decode('[4,"a","NotSupported","nope",{}]') == CallError(
        "a", "NotSupported", "nope", {}
    )


@pytest.mark.parametrize(
    "text", ['[2,"id","Heartbeat",{"x":NaN}]', '[2,"id","Heartbeat",{"x":-Infinity}]']
)
def test_json_extensions_nan_and_infinity_are_refused(text):
    assert reply_to(text).code == ErrorCode.RpcFrameworkError


def test_invalid_json_gets_rpc_framework_error_with_id_minus_one():
    reply = reply_to('[2,"id", "Heartbeat", {')
    assert reply.message_id == "-1"
    assert reply.code == ErrorCode.RpcFrameworkError


@pytest.mark.parametrize("text", ['{"a":1}', "[]", '"text"', "17", "null"])
def test_non_array_frame_gets_rpc_framework_error(text):
    reply = reply_to(text)
    assert (reply.message_id, reply.code) == ("-1", ErrorCode.RpcFrameworkError)


@pytest.mark.parametrize("message_id", [17, None, "", "x" * 37, ["a"]])
def test_unreadable_message_id_is_answered_with_minus_one(message_id):
    reply = reply_to(json.dumps([2, message_id, "Heartbeat", {}]))
    assert (reply.message_id, reply.code) == ("-1", ErrorCode.RpcFrameworkError)


@pytest.mark.parametrize("type_id", [1, 5, 0, -2, 99])
def test_unknown_message_type_gets_message_type_not_supported(type_id):
    reply = reply_to(json.dumps([type_id, "abc", "Heartbeat", {}]))
    assert (reply.message_id, reply.code) == ("abc", ErrorCode.MessageTypeNotSupported)


@pytest.mark.parametrize("type_id", ["2", 2.5, True, None])
def test_non_integer_message_type_is_a_framework_error(type_id):
    reply = reply_to(json.dumps([type_id, "abc", "Heartbeat", {}]))
    assert (reply.message_id, reply.code) == ("abc", ErrorCode.RpcFrameworkError)


def test_call_with_wrong_element_count_is_a_framework_error():
    reply = reply_to('[2,"abc","Heartbeat"]')
    assert (reply.message_id, reply.code) == ("abc", ErrorCode.RpcFrameworkError)


def test_call_with_non_string_action_is_a_framework_error():
    reply = reply_to('[2,"abc",42,{}]')
    assert (reply.message_id, reply.code) == ("abc", ErrorCode.RpcFrameworkError)


@pytest.mark.parametrize("payload", ["null", "[]", '"x"', "3"])
def test_call_payload_that_is_not_an_object_is_a_format_violation(payload):
    reply = reply_to(f'[2,"abc","Heartbeat",{payload}]')
    assert (reply.message_id, reply.code) == ("abc", ErrorCode.FormatViolation)


@pytest.mark.parametrize(
    "text", ['[3,"a"]', '[3,"a",[]]', '[4,"a","X"]', '[4,"a",1,"d",{}]', "[3,5,{}]"]
)
def test_malformed_responses_are_dropped_without_reply(text):
    assert reply_to(text) is None


def test_binary_frame_is_a_framework_error():
    reply = reply_to(b'[2,"a","Heartbeat",{}]')
    assert (reply.message_id, reply.code) == ("-1", ErrorCode.RpcFrameworkError)


def test_callerror_encoding_truncates_description_and_keeps_details_object():
    text = rpc.encode(CallError("m", "GenericError", "d" * 300))
    frame = json.loads(text)
    assert frame[:3] == [4, "m", "GenericError"]
    assert len(frame[3]) == 255
    assert frame[4] == {}


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(), children, max_size=3)
    ),
    max_leaves=10,
)


@given(
    st.one_of(
        st.builds(
            Call,
            st.text(min_size=1, max_size=36),
            st.text(min_size=1),
            st.dictionaries(st.text(), json_values, max_size=3),
        ),
        st.builds(
            CallResult,
            st.text(min_size=1, max_size=36),
            st.dictionaries(st.text(), json_values, max_size=3),
        ),
        st.builds(
            CallError,
            st.text(min_size=1, max_size=36),
            st.sampled_from(list(ErrorCode)),
            st.text(max_size=255),
            st.dictionaries(st.text(), json_values, max_size=3),
        ),
    )
)
def test_encode_then_decode_is_identity(frame):
    assert rpc.decode(rpc.encode(frame)) == frame


@given(st.text())
def test_decode_never_raises_anything_but_frame_error(text):
    try:
        rpc.decode(text)
    except FrameError as exc:
        if exc.reply is not None:
            assert exc.reply.code in set(ErrorCode)
            assert len(exc.reply.description) <= 255


@pytest.mark.parametrize("message_id", ["a-1", 'quote"and\\backslash', "ünï"])
def test_frames_around_json_text_match_encode(message_id: str) -> None:
    payload = {"status": "Accepted", "list": [1, 2.5, None], "text": "é"}
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    assert rpc.encode_result(message_id, text) == rpc.encode(CallResult(message_id, payload))
    assert rpc.encode_call(message_id, "Heartbeat", text) == rpc.encode(
        Call(message_id, "Heartbeat", payload)
    )
    assert rpc.decode(rpc.encode_result(message_id, text)) == CallResult(message_id, payload)
