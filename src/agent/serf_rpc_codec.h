// Serf RPC codec: the messages of Serf's agent IPC (the protocol `serf members`, `serf query`
// and friends speak to an agent on 127.0.0.1:7373), as Serf 0.9.4's ipc.go defines them.
// ../shared/specs/memberlist-serf-wire.md §9 is the fact sheet.
//
// The connection carries back-to-back msgpack objects. A request is a header {Command, Seq}
// followed by a body iff the command takes one (rpc_command_has_body); a response is a header
// {Error, Seq} followed by a body iff the command returns one; streams repeat the header with
// the stream's Seq before every record.
//
// Encoding follows Go's MsgpackHandle{RawToString: true, WriteExt: true}: a []byte goes out as
// bin8/16/32 (an empty one as nil, as Go writes the nil slices these records carry), a string
// as the str family with str8 allowed, a struct as a map whose keys are Go's field names in
// byte order, integers in their smallest form, float64 as 0xcb. Decoding reuses go_msgpack.h's
// tolerant reader: every integer width, str or bin for strings, a struct as a map (unknown
// keys skipped) or an array in Go's declaration order. Decoders never throw or assert on input;
// they return the first error.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "agent/log.h"
#include "core/wire/go_msgpack.h"

namespace rumor::agent {

using RpcDecodeError = core::wire::gomsgpack::Error;
using RpcTags = std::map<std::string, std::string>;

// Request and response bodies bigger than this are refused field by field (kTooLong).
inline constexpr size_t kRpcMaxField = 1u << 16;

// ---- shared records ----------------------------------------------------------------------

// A member as the RPC shows it. Protocol* are memberlist's versions, Delegate* Serf's.
struct RpcMember {
  std::string name;
  std::vector<uint8_t> addr;  // 4 or 16 raw IP bytes (Go's net.IP)
  uint16_t port = 0;
  RpcTags tags;
  std::string status;  // "alive" | "leaving" | "left" | "failed" | "none"
  uint8_t protocol_min = 0;
  uint8_t protocol_max = 0;
  uint8_t protocol_cur = 0;
  uint8_t delegate_min = 0;
  uint8_t delegate_max = 0;
  uint8_t delegate_cur = 0;
};

// A Vivaldi network coordinate (serf/coordinate.Coordinate).
struct RpcCoordinate {
  std::vector<double> vec;
  double error = 0;
  double adjustment = 0;
  double height = 0;
};

// The outcome of a keyring operation across the cluster. `error` goes into the response header;
// the body is sent either way. `keys` is only written for list-keys.
struct RpcKeyResponse {
  std::map<std::string, std::string> messages;  // node -> what went wrong there
  std::map<std::string, int64_t> keys;          // base64 key -> number of nodes holding it
  int64_t num_nodes = 0;
  int64_t num_err = 0;
  int64_t num_resp = 0;
  std::string error;
};

using RpcStats = std::map<std::string, std::map<std::string, std::string>>;

// What the owner publishes into the server for event streams.
enum class RpcEventType : uint8_t {
  kMemberJoin,
  kMemberLeave,
  kMemberFailed,
  kMemberUpdate,
  kMemberReap,
  kUser,
  kQuery,
};
// "member-join" ... "user", "query": the names streams filter on and records carry.
const char* rpc_event_name(RpcEventType t);

struct RpcEvent {
  RpcEventType type = RpcEventType::kUser;
  std::vector<RpcMember> members;  // member events
  uint64_t ltime = 0;              // user events and queries
  std::string name;
  std::vector<uint8_t> payload;
  bool coalesce = false;      // user events
  uint64_t query_handle = 0;  // queries: the backend's handle, handed back by respond()
};

// ---- requests ----------------------------------------------------------------------------

struct RpcRequestHeader {
  std::string command;
  uint64_t seq = 0;
};
struct RpcHandshakeRequest {
  int32_t version = 0;
};
struct RpcAuthRequest {
  std::string auth_key;
};
struct RpcEventRequest {
  std::string name;
  std::vector<uint8_t> payload;
  bool coalesce = false;
};
struct RpcForceLeaveRequest {
  std::string node;
  bool prune = false;
};
struct RpcJoinRequest {
  std::vector<std::string> existing;
  bool replay = false;
};
// Each field is a regular expression anchored ^...$; an empty status or name matches anything.
struct RpcMembersFilteredRequest {
  RpcTags tags;
  std::string status;
  std::string name;
};
struct RpcKeyRequest {
  std::string key;
};
struct RpcMonitorRequest {
  std::string log_level;
};
struct RpcStreamRequest {
  std::string type;
};
struct RpcStopRequest {
  uint64_t stop = 0;
};
struct RpcTagsRequest {
  RpcTags tags;
  std::vector<std::string> delete_tags;
};
// The query request, which is also what the backend is asked to send.
struct RpcQueryParams {
  std::vector<std::string> filter_nodes;
  RpcTags filter_tags;  // tag -> regular expression
  bool request_ack = false;
  uint8_t relay_factor = 0;
  int64_t timeout_ns = 0;  // 0 = the backend's default
  std::string name;
  std::vector<uint8_t> payload;
};
struct RpcRespondRequest {
  uint64_t id = 0;
  std::vector<uint8_t> payload;
};
struct RpcCoordinateRequest {
  std::string node;
};

// Decoders, one per request type. On error `out` is partly filled.
using DecodeResult = std::optional<RpcDecodeError>;
DecodeResult decode_rpc(const msgpack::object& o, RpcRequestHeader& out);
DecodeResult decode_rpc(const msgpack::object& o, RpcHandshakeRequest& out);
DecodeResult decode_rpc(const msgpack::object& o, RpcAuthRequest& out);
DecodeResult decode_rpc(const msgpack::object& o, RpcEventRequest& out);
DecodeResult decode_rpc(const msgpack::object& o, RpcForceLeaveRequest& out);
DecodeResult decode_rpc(const msgpack::object& o, RpcJoinRequest& out);
DecodeResult decode_rpc(const msgpack::object& o, RpcMembersFilteredRequest& out);
DecodeResult decode_rpc(const msgpack::object& o, RpcKeyRequest& out);
DecodeResult decode_rpc(const msgpack::object& o, RpcMonitorRequest& out);
DecodeResult decode_rpc(const msgpack::object& o, RpcStreamRequest& out);
DecodeResult decode_rpc(const msgpack::object& o, RpcStopRequest& out);
DecodeResult decode_rpc(const msgpack::object& o, RpcTagsRequest& out);
DecodeResult decode_rpc(const msgpack::object& o, RpcQueryParams& out);
DecodeResult decode_rpc(const msgpack::object& o, RpcRespondRequest& out);
DecodeResult decode_rpc(const msgpack::object& o, RpcCoordinateRequest& out);

// Where the next msgpack object of a stream ends, found from its headers alone (no decoding),
// so a connection can wait for a whole object and refuse one that declares more than
// `max_bytes` (a 1 GiB string header is kTooBig at once, not after 1 GiB arrived).
struct RpcFrame {
  enum class Kind : uint8_t { kComplete, kNeedMore, kTooBig, kBad };
  Kind kind = Kind::kNeedMore;
  size_t size = 0;  // bytes of the object when kComplete
};
RpcFrame frame_object(std::span<const uint8_t> bytes, size_t max_bytes);

// Whether a request with this command carries a body. Unknown commands: false.
bool rpc_command_has_body(std::string_view command);

// ---- responses and stream records (appended to `out`) ------------------------------------

void encode_response_header(std::vector<uint8_t>& out, uint64_t seq, std::string_view error);
void encode_join_response(std::vector<uint8_t>& out, int32_t num);
void encode_members_response(std::vector<uint8_t>& out, const std::vector<RpcMember>& members);
void encode_key_response(std::vector<uint8_t>& out, const RpcKeyResponse& r, bool with_keys);
void encode_stats_response(std::vector<uint8_t>& out, const RpcStats& stats);
void encode_coordinate_response(std::vector<uint8_t>& out, const std::optional<RpcCoordinate>& c);
// {Event, Members} for member events, {Coalesce, Event, LTime, Name, Payload} for user events,
// {Event, ID, LTime, Name, Payload} for queries (`query_id` is the client's ID, not the handle).
void encode_event_record(std::vector<uint8_t>& out, const RpcEvent& e, uint64_t query_id);
// {From, Payload, Type}: Type is "ack", "response" or "done".
void encode_query_record(std::vector<uint8_t>& out, std::string_view type, std::string_view from,
                         const std::vector<uint8_t>& payload);
void encode_log_record(std::vector<uint8_t>& out, std::string_view line);

// ---- stream filters ----------------------------------------------------------------------

// One term of a stream's Type: "*", an event name, or user/query with an optional NAME.
struct RpcEventFilter {
  std::string event;
  std::string name;
};
// Splits on commas exactly as Serf does ("" means "*"); nullopt if a term names no event type.
std::optional<std::vector<RpcEventFilter>> parse_stream_filters(std::string_view type);
bool filters_match(const std::vector<RpcEventFilter>& filters, const RpcEvent& e);

// The monitor's level names (TRACE, DEBUG, INFO, WARN, ERR; upper case) as our levels; TRACE
// shares kDebug. nullopt for any other name.
std::optional<LogLevel> parse_monitor_level(std::string_view upper_name);

}  // namespace rumor::agent
