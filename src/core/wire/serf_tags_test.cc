#include "core/wire/serf_tags.h"

#include <gtest/gtest.h>

namespace rumor::core::wire {
namespace {

TEST(SerfTags, EncodeMatchesSerfBytesWithSortedKeys) {
  // Serf's capture: ff 82 a4"role" a3"web" a2"dc" a1"x" (its map order is random; ours sorted).
  const std::vector<uint8_t> want = {0xff, 0x82, 0xa2, 'd', 'c',  0xa1, 'x', 0xa4,
                                     'r',  'o',  'l',  'e', 0xa3, 'w',  'e', 'b'};
  EXPECT_EQ(encode_serf_tags({{"role", "web"}, {"dc", "x"}}), want);
  EXPECT_EQ(encode_serf_tags({}), (std::vector<uint8_t>{0xff, 0x80}));
}

TEST(SerfTags, RoundTripsAndDecodesSerfsOwnOrder) {
  const Tags tags{{"role", "web"}, {"dc", "x"}, {"empty", ""}};
  EXPECT_EQ(decode_serf_tags(encode_serf_tags(tags)), tags);
  const std::vector<uint8_t> serf = {0xff, 0x82, 0xa4, 'r',  'o', 'l', 'e',  0xa3,
                                     'w',  'e',  'b',  0xa2, 'd', 'c', 0xa1, 'x'};
  EXPECT_EQ(decode_serf_tags(serf), (Tags{{"role", "web"}, {"dc", "x"}}));
}

TEST(SerfTags, MetaWithoutMagicIsTheOldRoleForm) {
  const std::vector<uint8_t> meta = {'d', 'b'};
  EXPECT_EQ(decode_serf_tags(meta), (Tags{{"role", "db"}}));
  EXPECT_EQ(decode_serf_tags({}), Tags{});
}

TEST(SerfTags, MalformedTagsDecodeToNothing) {
  EXPECT_FALSE(decode_serf_tags(std::vector<uint8_t>{0xff}).has_value());        // truncated
  EXPECT_FALSE(decode_serf_tags(std::vector<uint8_t>{0xff, 0xc1}).has_value());  // not msgpack
  EXPECT_FALSE(decode_serf_tags(std::vector<uint8_t>{0xff, 0x91, 0x01}).has_value());  // array
  EXPECT_FALSE(decode_serf_tags(std::vector<uint8_t>{0xff, 0x81, 0xa1, 'k', 0x05}).has_value());
  EXPECT_FALSE(decode_serf_tags(std::vector<uint8_t>{0xff, 0x82, 0xa1, 'k', 0xa1}).has_value());
}

}  // namespace
}  // namespace rumor::core::wire
