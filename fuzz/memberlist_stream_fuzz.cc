// libFuzzer harness for memberlist streams (src/core/wire/memberlist_codec.h): decode_stream
// and stream_frame_size.
//
// Arbitrary bytes must never crash, trip a sanitizer or assert. What decode_stream accepts must
// survive a round trip (encode, decode: the same value; encode again: the same bytes). And the
// framer must agree with the decoder: a stream the decoder accepts has a frame size n no larger
// than the input, its first n bytes decode to the same message, and its first n-1 bytes are
// "need more", not malformed; bytes the framer calls malformed are never accepted. The
// allocation-free push-pull reader (push_pull_view.h) must give the general decoder's verdict
// and values on every input that starts with the push-pull type byte.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <vector>

#include "core/wire/memberlist_codec.h"
#include "core/wire/push_pull_view.h"

namespace {

namespace ml = rumor::core::wire::ml;

constexpr size_t kMaxNodes = 4096;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "memberlist_stream_fuzz: %s\n", what);
  std::abort();
}

std::vector<uint8_t> encode(const ml::StreamMessage& m) {
  std::vector<uint8_t> out;
  switch (m.type) {
    case ml::MsgType::kPushPull:
      ml::encode(m.push_pull, out);
      break;
    case ml::MsgType::kPing:
      ml::encode(m.ping, out);
      break;
    case ml::MsgType::kAck:
      ml::encode(m.ack, out);
      break;
    case ml::MsgType::kErr:
      ml::encode(m.err, out);
      break;
    case ml::MsgType::kUser:
      ml::encode_user_stream(m.user, out);
      break;
    default:
      fail("decode_stream returned a type it must not");
  }
  return out;
}

bool same(const ml::StreamMessage& a, const ml::StreamMessage& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case ml::MsgType::kPushPull:
      return a.push_pull == b.push_pull;
    case ml::MsgType::kPing:
      return a.ping == b.ping;
    case ml::MsgType::kAck:
      return a.ack == b.ack;
    case ml::MsgType::kErr:
      return a.err == b.err;
    case ml::MsgType::kUser:
      return a.user == b.user;
    default:
      return false;
  }
}

// decode_push_pull_view against decode_push_pull on the body after a 0x06 type byte.
void check_push_pull_view(std::span<const uint8_t> input) {
  if (input.empty() || input[0] != static_cast<uint8_t>(ml::MsgType::kPushPull)) return;
  const auto body = input.subspan(1);
  ml::PushPull general;
  ml::PushPullView view;
  const auto slow = ml::decode_push_pull(body, general, kMaxNodes);
  const auto fast = ml::decode_push_pull_view(body, kMaxNodes, view);
  if (slow != fast) fail("push-pull view and general decoder disagree on the verdict");
  if (slow) return;
  if (view.join != general.join || view.nodes.size() != general.nodes.size()) {
    fail("push-pull view header differs");
  }
  auto eq = [](std::span<const uint8_t> a, const std::vector<uint8_t>& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
  };
  for (size_t i = 0; i < view.nodes.size(); ++i) {
    const ml::PushNodeView& v = view.nodes[i];
    const ml::PushNodeState& g = general.nodes[i];
    if (v.name != g.name || !eq(v.addr, g.addr.data) || v.port != g.port ||
        !eq(v.meta, g.meta.data) || v.incarnation != g.incarnation || v.state != g.state ||
        !eq(v.vsn, g.vsn.data)) {
      fail("push-pull view state differs");
    }
  }
  if (!eq(view.user_state, general.user_state)) fail("push-pull view user state differs");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  check_push_pull_view(input);
  ml::MlErrorCounts errors{};
  ml::StreamMessage first;
  const auto e = ml::decode_stream(input, "", first, errors, kMaxNodes);

  std::optional<ml::MlError> malformed;
  const std::optional<size_t> frame = ml::stream_frame_size(input, &malformed);
  if (frame && malformed) fail("stream_frame_size gave a size and an error");
  if (frame && *frame > size) fail("frame size beyond the input");
  if (malformed && !e) fail("the decoder accepted bytes the framer calls malformed");
  if (e) return 0;

  if (!frame) fail("the decoder accepted a stream the framer cannot size");
  ml::StreamMessage framed;
  if (ml::decode_stream(input.first(*frame), "", framed, errors, kMaxNodes)) {
    fail("the framed prefix does not decode");
  }
  if (!same(framed, first)) fail("the framed prefix decodes to another message");
  std::optional<ml::MlError> short_malformed;
  if (ml::stream_frame_size(input.first(*frame - 1), &short_malformed) || short_malformed) {
    fail("one byte short of the frame is not 'need more'");
  }

  const std::vector<uint8_t> bytes = encode(first);
  ml::StreamMessage second;
  if (auto again = ml::decode_stream(bytes, "", second, errors, kMaxNodes)) {
    std::fprintf(stderr, "re-encoded stream does not decode: %s\n", ml::ml_error_name(*again));
    fail("round trip");
  }
  if (!same(second, first)) fail("re-encoded stream decodes to another message");
  if (encode(second) != bytes) fail("encoding is not a fixed point");
  if (ml::stream_frame_size(bytes) != bytes.size()) fail("frame size of a canonical stream");
  return 0;
}
