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


def test_invalid_json_gets_rpc_framework_error_with_id_minus_one_when_the_id_is_unreadable():
    reply = reply_to('[2, 17, "Heartbeat", {')
    assert reply.message_id == "-1"
    assert reply.code == ErrorCode.RpcFrameworkError


def test_invalid_json_after_a_readable_head_is_answered_with_the_calls_id():
    """Part 4 §4.2.3: "-1" only when the message id cannot be read."""
    reply = reply_to('[2,"id", "Heartbeat", {')
    assert reply.message_id == "id"
    assert reply.code == ErrorCode.RpcFrameworkError


@pytest.mark.parametrize("text", ['[3,"id",{', '[4,"id","GenericError","x",{'])
def test_a_broken_response_is_never_answered(text):
    with pytest.raises(FrameError) as error:
        rpc.decode(text)
    assert error.value.reply is None


@pytest.mark.parametrize("number", ["1e999", "-1e999", "1E400"])
def test_a_number_beyond_double_range_is_refused_not_taken_as_infinity(number):
    reply = reply_to(f'[2,"big","DataTransfer",{{"vendorId":"x","data":{number}}}]')
    assert reply.message_id == "big" and reply.code == ErrorCode.RpcFrameworkError
    assert "out of range" in reply.description


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


def _nested(depth: int, leaf: object = 1) -> object:
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


def _frame_with_payload_depth(depth: int, message_id: str = "deep-1") -> str:
    # The frame's own array is one level, the payload object another.
    return json.dumps([2, message_id, "DataTransfer", {"data": _nested(depth - 2)}])


def test_frame_at_the_depth_limit_is_decoded():
    frame = rpc.decode(_frame_with_payload_depth(rpc.MAX_DEPTH))
    assert isinstance(frame, Call) and frame.action == "DataTransfer"


def test_call_nested_too_deep_gets_format_violation_with_its_message_id():
    reply = reply_to(_frame_with_payload_depth(rpc.MAX_DEPTH + 1))
    assert reply.message_id == "deep-1"
    assert reply.code == ErrorCode.FormatViolation
    assert f"deeper than {rpc.MAX_DEPTH}" in reply.description


def test_the_depth_walk_finds_the_limit_among_many_containers():
    """Frames with more openers than MAX_DEPTH are walked (fewer cannot be too deep): the
    walk's own boundary, with siblings at every level, as a report of many items has."""

    def frame(depth: int) -> str:
        many = [{"a": {"b": [1]}} for _ in range(20)]  # 60 openers, 4 levels deep
        return json.dumps([2, "deep-3", "DataTransfer", {"data": _nested(depth - 2), "more": many}])

    assert isinstance(rpc.decode(frame(rpc.MAX_DEPTH)), Call)
    reply = reply_to(frame(rpc.MAX_DEPTH + 1))
    assert reply.code == ErrorCode.FormatViolation
    assert f"deeper than {rpc.MAX_DEPTH}" in reply.description


def test_frame_nested_beyond_the_parsers_recursion_limit_gets_format_violation_with_its_id():
    text = '[2,"deep-2","DataTransfer",{"data":' + "[" * 200_000 + "]" * 200_000 + "}]"
    reply = reply_to(text)
    assert (reply.message_id, reply.code) == ("deep-2", ErrorCode.FormatViolation)


def test_unclosed_deep_frame_without_readable_id_is_answered_with_minus_one():
    reply = reply_to("[" * 100_000)
    assert (reply.message_id, reply.code) == ("-1", ErrorCode.FormatViolation)


def test_response_nested_too_deep_is_dropped_without_reply():
    text = json.dumps([3, "r-1", {"data": _nested(rpc.MAX_DEPTH)}])
    assert reply_to(text) is None


def test_brackets_inside_strings_do_not_count_as_nesting():
    text = json.dumps([2, "s-1", "DataTransfer", {"data": "[{" * 5000 + '\\"]'}])
    assert rpc.decode(text) == Call("s-1", "DataTransfer", {"data": "[{" * 5000 + '\\"]'})


def _depth(value: object) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


nested_values = st.recursive(
    st.text(alphabet='[]{}"\\ab,:') | st.integers(),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(alphabet='[]{}"\\a'), children, max_size=3)
    ),
    max_leaves=60,
)


@given(st.integers(min_value=0, max_value=40), nested_values)
def test_depth_limit_matches_the_real_depth_of_any_frame(extra, value):
    payload = {"data": _nested(extra, value)}
    text = json.dumps([2, "p-1", "DataTransfer", payload], ensure_ascii=False)
    too_deep = 1 + _depth(payload) > rpc.MAX_DEPTH  # the frame's array is one level
    try:
        frame = rpc.decode(text)
    except FrameError as exc:
        assert too_deep, exc.reason
        assert exc.reply is not None and exc.reply.code == ErrorCode.FormatViolation
    else:
        assert not too_deep and frame == Call("p-1", "DataTransfer", payload)


def test_depth_is_checked_by_nesting_not_by_the_number_of_containers():
    # Many containers side by side (a 100-item GetVariables has 300) are not deep...
    wide = json.dumps([2, "w-1", "DataTransfer", {"data": [[{"a": []}] for _ in range(100)]}])
    assert isinstance(rpc.decode(wide), rpc.Call)
    # ...and brackets inside strings count for nothing but a closer look.
    text = json.dumps([2, "s-1", "DataTransfer", {"data": "[{" * 100}])
    assert rpc.decode(text).payload == {"data": "[{" * 100}
    # The limit itself is exact, whether or not the frame is small.
    assert isinstance(rpc.decode(_frame_with_payload_depth(rpc.MAX_DEPTH)), rpc.Call)
    assert reply_to(_frame_with_payload_depth(rpc.MAX_DEPTH + 1)).code == "FormatViolation"
