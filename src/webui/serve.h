// Serving the embedded pages (assets.h) from a cpp-httplib server: GET / answers with one
// page (the dashboard for an agent, the viewer for `rumor view`), GET /assets/... and
// GET /<page>.html with the embedded files. Anything else is left to the server's other routes
// (a 404 if none matches). Assets are sent with "Cache-Control: no-cache": their names carry no
// content hash, so a browser must revalidate after an upgrade.
//
// For working on the pages: with RUMOR_WEB_DIR set (to a folder Vite built, e.g.
// `npx vite build --outDir /tmp/dist`), the same paths are read from that folder at each
// request instead, so a page change needs no C++ rebuild.
#pragma once

#include <string_view>

namespace httplib {
class Server;
}

namespace rumor::webui {

// `index_page` is the embedded path answered at "/", e.g. "/dashboard.html"; it must exist.
// Reads RUMOR_WEB_DIR once, here.
void mount_pages(httplib::Server& server, std::string_view index_page);

}  // namespace rumor::webui
