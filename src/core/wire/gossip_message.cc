#include "core/wire/gossip_message.h"

namespace rumor::core {

const char* message_type_name(MessageType t) {
  switch (t) {
    case MessageType::kSyn:
      return "syn";
    case MessageType::kAck:
      return "ack";
    case MessageType::kAck2:
      return "ack2";
    case MessageType::kRumor:
      return "rumor";
    case MessageType::kFeedback:
      return "feedback";
    case MessageType::kMail:
      return "mail";
  }
  return "unknown";
}

void Message::assign(const MessageView& v) {
  type = v.type;
  flags = v.flags;
  digests.assign(v.digests.begin(), v.digests.end());
  requests.assign(v.requests.begin(), v.requests.end());
  entries.assign(v.entries.begin(), v.entries.end());
}

void Message::clear() {
  type = MessageType::kSyn;
  flags = 0;
  digests.clear();
  requests.clear();
  entries.clear();
}

}  // namespace rumor::core
