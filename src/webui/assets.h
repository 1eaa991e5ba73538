// Web assets: the agent's dashboard and the simulator's viewer, embedded in the binary.
//
// The pages live in web/ (see web/README.md), are built by Vite into web/dist, and web/dist is
// committed; at build time embed_assets.cmake turns every file under web/dist into a byte array
// of this library, so a fresh install serves the pages with no npm and no files beside the
// binary. Paths are the URL paths the pages use ("/dashboard.html", "/assets/viewer.js").
// Invariant: every file of web/dist is here, byte for byte, with a content type from its
// extension; nothing else is.
#pragma once

#include <span>
#include <string_view>

namespace rumor::webui {

struct Asset {
  std::string_view path;          // "/assets/viewer.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view body;
};

// Every embedded asset, sorted by path.
std::span<const Asset> all_assets();

// The asset at `path`, or nullptr.
const Asset* find_asset(std::string_view path);

}  // namespace rumor::webui
