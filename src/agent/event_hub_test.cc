#include "agent/event_hub.h"

#include <gtest/gtest.h>

namespace rumor::agent {
namespace {

TEST(EventHub, EverySubscriberGetsEveryEventInOrder) {
  EventHub hub(4, 10);
  auto a = hub.subscribe();
  auto b = hub.subscribe();
  hub.publish("1");
  hub.publish("2");
  for (auto& s : {a, b}) {
    EXPECT_EQ(s->next(0), "1");
    EXPECT_EQ(s->next(0), "2");
    EXPECT_EQ(s->next(0), std::nullopt);  // nothing more: a timeout, not the end
  }
}

TEST(EventHub, SubscribersBeyondTheLimitAreRefused) {
  EventHub hub(2, 10);
  auto a = hub.subscribe();
  auto b = hub.subscribe();
  EXPECT_EQ(hub.subscribe(), nullptr);
  hub.unsubscribe(a);
  EXPECT_NE(hub.subscribe(), nullptr);
}

TEST(EventHub, SlowSubscriberLosesTheOldestAndCountsThem) {
  EventHub hub(1, 3);
  auto s = hub.subscribe();
  for (int i = 0; i < 5; ++i)
    hub.publish(std::to_string(i));
  EXPECT_EQ(s->missed(), 2u);
  EXPECT_EQ(s->next(0), "2");
}

TEST(EventHub, QueuedCountsUnreadEventsOverEveryReaderWithinTheLimit) {
  EventHub hub(2, 3);
  EXPECT_EQ(hub.queued(), 0u);
  auto a = hub.subscribe();
  auto b = hub.subscribe();
  for (int i = 0; i < 5; ++i)
    hub.publish(std::to_string(i));
  EXPECT_EQ(hub.queued(), 6u);  // three each: the limit
  a->next(0);
  EXPECT_EQ(hub.queued(), 5u);
  hub.unsubscribe(b);
  EXPECT_EQ(hub.queued(), 2u);
}

TEST(EventHub, CloseWakesReadersWithTheEndAndRefusesNewOnes) {
  EventHub hub(2, 3);
  auto s = hub.subscribe();
  hub.close();
  EXPECT_EQ(s->next(60000), "");  // returns at once: the end
  EXPECT_EQ(hub.subscribe(), nullptr);
}

}  // namespace
}  // namespace rumor::agent
