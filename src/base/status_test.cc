#include "base/status.h"

#include <gtest/gtest.h>

namespace rumor {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) return Status::error("value: must be positive, got " + std::to_string(v));
  return v;
}

TEST(Status, OkHasNoErrorAndErrorKeepsItsMessage) {
  EXPECT_TRUE(Status::ok().is_ok());
  const Status s = Status::error("fanout: must be in 1..64, got 0");
  EXPECT_FALSE(s.is_ok());
  EXPECT_EQ(s.message(), "fanout: must be in 1..64, got 0");
}

TEST(Status, ResultCarriesEitherValueOrError) {
  auto good = parse_positive(3);
  ASSERT_TRUE(good.is_ok());
  EXPECT_EQ(*good, 3);
  auto bad = parse_positive(-1);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.message(), "value: must be positive, got -1");
}

TEST(StatusDeathTest, ValueOfErrorResultIsABrokenInvariant) {
  auto bad = parse_positive(0);
  EXPECT_DEATH((void)bad.value(), "invariant broken");
}

}  // namespace
}  // namespace rumor
