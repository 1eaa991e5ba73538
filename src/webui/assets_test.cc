#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "webui/assets.h"
#include "webui/serve.h"

namespace rumor::webui {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(WebAssets, EveryFileOfWebDistIsEmbeddedByteForByteAndNothingElse) {
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(RUMOR_WEB_DIST)) {
    if (!e.is_regular_file()) continue;
    ++files;
    const std::string path = "/" + fs::relative(e.path(), RUMOR_WEB_DIST).generic_string();
    const Asset* a = find_asset(path);
    ASSERT_NE(a, nullptr) << path;
    EXPECT_EQ(a->body, read_file(e.path())) << path;
  }
  EXPECT_EQ(all_assets().size(), files);
  EXPECT_NE(find_asset("/dashboard.html"), nullptr);
  EXPECT_NE(find_asset("/viewer.html"), nullptr);
}

TEST(WebAssets, ContentTypesFollowTheExtensionAndUnknownPathsAreNotFound) {
  for (const Asset& a : all_assets()) {
    if (a.path.ends_with(".html")) {
      EXPECT_EQ(a.content_type, "text/html; charset=utf-8");
    } else if (a.path.ends_with(".js")) {
      EXPECT_EQ(a.content_type, "text/javascript; charset=utf-8");
    } else if (a.path.ends_with(".css")) {
      EXPECT_EQ(a.content_type, "text/css; charset=utf-8");
    }
  }
  EXPECT_EQ(find_asset("/nope.js"), nullptr);
  EXPECT_EQ(find_asset(""), nullptr);
  EXPECT_EQ(find_asset("dashboard.html"), nullptr);  // paths start with '/'
}

TEST(WebAssets, MountedPagesAnswerTheIndexAtRootTheAssetsByPathAnd404ForTheRest) {
  httplib::Server server;
  mount_pages(server, "/viewer.html");
  const int port = server.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread t([&] { server.listen_after_bind(); });
  while (!server.is_running())
    std::this_thread::yield();
  httplib::Client client("127.0.0.1", port);

  auto root = client.Get("/");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->status, 200);
  EXPECT_EQ(root->body, find_asset("/viewer.html")->body);
  EXPECT_EQ(root->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(root->get_header_value("Cache-Control"), "no-cache");

  for (const Asset& a : all_assets()) {
    auto r = client.Get(std::string(a.path));
    ASSERT_TRUE(r) << a.path;
    EXPECT_EQ(r->status, 200) << a.path;
    EXPECT_EQ(r->body, a.body) << a.path;
  }
  auto missing = client.Get("/assets/missing.js");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  auto traversal = client.Get("/assets/../CMakeCache.txt");
  ASSERT_TRUE(traversal);
  EXPECT_EQ(traversal->status, 404);

  server.stop();
  t.join();
}

}  // namespace
}  // namespace rumor::webui
