#include "webui/serve.h"

#include <httplib.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "base/assert.h"
#include "webui/assets.h"

namespace rumor::webui {

namespace {

void send(const Asset& a, httplib::Response& res) {
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_content(a.body.data(), a.body.size(), std::string(a.content_type));
}

void not_found(const std::string& path, httplib::Response& res) {
  res.status = 404;
  res.set_content("no such page: " + path + "\n", "text/plain");
}

std::string type_of(const std::string& path) {
  if (path.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (path.ends_with(".css")) return "text/css; charset=utf-8";
  if (path.ends_with(".html")) return "text/html; charset=utf-8";
  return "application/octet-stream";
}

// Answers `path` (already matched by the route's pattern: no "..", no '/' but after "assets")
// from the folder `dir` instead of the embedded copy.
void send_from(const std::string& dir, const std::string& path, httplib::Response& res) {
  std::ifstream in(dir + path, std::ios::binary);
  if (!in) return not_found(path, res);
  std::ostringstream body;
  body << in.rdbuf();
  res.set_header("Cache-Control", "no-cache");
  res.set_content(body.str(), type_of(path));
}

}  // namespace

void mount_pages(httplib::Server& server, std::string_view index_page) {
  const Asset* index = find_asset(index_page);
  RUMOR_ASSERT(index != nullptr, "mount_pages: the index page is not embedded");
  const char* env = std::getenv("RUMOR_WEB_DIR");
  const std::string dir = env ? env : "";
  const std::string index_path(index_page);
  server.Get("/", [index, dir, index_path](const httplib::Request&, httplib::Response& res) {
    if (!dir.empty()) return send_from(dir, index_path, res);
    send(*index, res);
  });
  server.Get(R"(/(assets/[A-Za-z0-9_-][A-Za-z0-9._-]*|[A-Za-z0-9_-]+\.html))",
             [dir](const httplib::Request& req, httplib::Response& res) {
               if (!dir.empty()) return send_from(dir, req.path, res);
               const Asset* a = find_asset(req.path);
               if (a == nullptr) return not_found(req.path, res);
               send(*a, res);
             });
}

}  // namespace rumor::webui
