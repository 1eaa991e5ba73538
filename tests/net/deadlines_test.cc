// Deadlines on a real Loop: callbacks run no earlier than their deadline, deadlines in one
// slack slot share one wake-up, a new deadline replaces the old, removed ids stay silent, and
// the heap stays bounded however often deadlines are replaced. Wall-clock (tests/net only);
// every wait is for an outcome, bounded by a generous limit.
#include "net/deadlines.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "net/loop.h"
#include "support/run_until.h"

namespace rumor::net {
namespace {

using testing::run_until;

TEST(Deadlines, CallbackNeverRunsBeforeItsDeadline) {
  Loop loop;
  Deadlines& d = loop.deadlines();
  std::vector<Time> due, ran;
  std::vector<Deadlines::Id> ids;
  for (int i = 0; i < 20; ++i) {
    ids.push_back(d.add([&ran](Time now) { ran.push_back(now); }));
  }
  const Time start = Loop::now();
  for (int i = 0; i < 20; ++i) {
    due.push_back(start + Duration::millis(3 * i + 1));
    d.set(ids[i], due.back());
  }
  ASSERT_TRUE(run_until(loop, [&] { return ran.size() == 20; }));
  std::sort(due.begin(), due.end());
  for (size_t i = 0; i < ran.size(); ++i) {
    EXPECT_GE(ran[i], due[i]) << "callback " << i << " ran early";
  }
}

TEST(Deadlines, DeadlinesInOneSlackSlotShareOneWakeup) {
  Loop loop;
  Deadlines& d = loop.deadlines();
  const int64_t q = d.slack().ns();
  // A slot boundary at least 20 ms ahead; 100 deadlines spread over the slack before it.
  const int64_t slot = ((Loop::now().ns() + 20'000'000) / q + 1) * q;
  int fired = 0;
  for (int i = 0; i < 100; ++i) {
    const Deadlines::Id id = d.add([&fired](Time) { ++fired; });
    d.set(id, Time::from_ns(slot - (q - 1) * i / 100));
  }
  ASSERT_TRUE(run_until(loop, [&] { return fired == 100; }));
  EXPECT_EQ(d.wakeups(), 1u);
}

TEST(Deadlines, NewDeadlineReplacesThePendingOne) {
  Loop loop;
  Deadlines& d = loop.deadlines();
  std::vector<Time> ran;
  const Deadlines::Id id = d.add([&ran](Time now) { ran.push_back(now); });
  const Time start = Loop::now();
  d.set(id, start + Duration::millis(5));
  d.set(id, start + Duration::millis(40));
  ASSERT_TRUE(run_until(loop, [&] { return !ran.empty(); }));
  loop.io().run_for(std::chrono::milliseconds(30));
  ASSERT_EQ(ran.size(), 1u);
  EXPECT_GE(ran[0], start + Duration::millis(40));
}

TEST(Deadlines, NeverClearsAPendingDeadline) {
  Loop loop;
  Deadlines& d = loop.deadlines();
  int fired = 0;
  const Deadlines::Id id = d.add([&fired](Time) { ++fired; });
  d.set(id, Loop::now() + Duration::millis(5));
  d.set(id, Time::never());
  loop.io().run_for(std::chrono::milliseconds(40));
  EXPECT_EQ(fired, 0);
}

TEST(Deadlines, RemovedIdNeverFiresEvenWhenRemovedByAnotherCallbackInTheSameWakeup) {
  Loop loop;
  Deadlines& d = loop.deadlines();
  int first = 0, second = 0, third = 0;
  Deadlines::Id b = 0;
  // Both in one slot; whichever runs first removes the other, so exactly one runs.
  const Deadlines::Id a = d.add([&](Time) {
    ++first;
    d.remove(b);
  });
  b = d.add([&](Time) {
    ++second;
    d.remove(a);
  });
  const Deadlines::Id c = d.add([&third](Time) { ++third; });
  const Time at = Loop::now() + Duration::millis(10);
  d.set(a, at);
  d.set(b, at);
  d.set(c, at);
  d.remove(c);
  ASSERT_TRUE(run_until(loop, [&] { return first + second > 0; }));
  loop.io().run_for(std::chrono::milliseconds(30));
  EXPECT_EQ(first + second, 1);
  EXPECT_EQ(third, 0);
}

TEST(Deadlines, HeapStaysBoundedWhenDeadlinesAreReplacedOften) {
  Loop loop;
  Deadlines& d = loop.deadlines();
  std::vector<Deadlines::Id> ids;
  for (int i = 0; i < 10; ++i)
    ids.push_back(d.add([](Time) {}));
  const Time start = Loop::now() + Duration::seconds(60);
  for (int k = 0; k < 100'000; ++k) {
    d.set(ids[k % 10], start + Duration::millis(k));
    ASSERT_LE(d.heap_size(), 4u * 10 + 64 + 1);
  }
}

TEST(Deadlines, RemovedIdsAreReusedWithoutRunningTheOldCallback) {
  Loop loop;
  Deadlines& d = loop.deadlines();
  int old_fired = 0, new_fired = 0;
  const Deadlines::Id id = d.add([&old_fired](Time) { ++old_fired; });
  d.set(id, Loop::now() + Duration::millis(5));
  d.remove(id);
  const Deadlines::Id reused = d.add([&new_fired](Time) { ++new_fired; });
  EXPECT_EQ(reused, id);
  d.set(reused, Loop::now() + Duration::millis(10));
  ASSERT_TRUE(run_until(loop, [&] { return new_fired == 1; }));
  EXPECT_EQ(old_fired, 0);
}

}  // namespace
}  // namespace rumor::net
