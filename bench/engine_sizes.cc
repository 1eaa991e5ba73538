// Prints the in-memory sizes that decide how much a simulated node costs (docs/performance.md,
// "Memory model"). A million-node world holds one core::Gossiper per node, and every node that
// learned the update holds one core::Entry in its store's own heap block.
#include <cstdio>

#include "core/antientropy/entry.h"
#include "core/antientropy/store.h"
#include "core/dissem/gossiper.h"

int main() {
  using namespace rumor::core;
  std::printf("sizeof(core::Gossiper) %zu\n", sizeof(Gossiper));
  std::printf("sizeof(core::Store)    %zu\n", sizeof(Store));
  std::printf("sizeof(core::Entry)    %zu\n", sizeof(Entry));
  std::printf("sizeof(core::Digest)   %zu\n", sizeof(Digest));
  std::printf("sizeof(core::Item)     %zu\n", sizeof(Item));
  return 0;
}
