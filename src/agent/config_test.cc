#include "agent/config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace rumor::agent {
namespace {

// A config file with `text`, removed when the test ends.
class ConfigFile {
 public:
  explicit ConfigFile(const std::string& text) {
    char name[] = "/tmp/rumor-config-XXXXXX";
    const int fd = mkstemp(name);
    EXPECT_GE(fd, 0);
    path_ = name;
    std::ofstream(path_) << text;
  }
  ~ConfigFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(AgentConfig, FileFieldsReplaceDefaultsAndJoinAndTagsMerge) {
  ConfigFile f(R"({"node":"a","bind":"127.0.0.1:7000","join":["10.0.0.2"],
                   "tags":{"role":"web"},"profile":"wan","retry_join":true,
                   "reconnect_interval":5})");
  AgentConfig c;
  c.join = {"10.0.0.9"};
  c.tags = {{"dc", "x"}};
  ASSERT_TRUE(load_config_file(f.path(), c).is_ok());
  EXPECT_EQ(c.node, "a");
  EXPECT_EQ(c.bind, "127.0.0.1:7000");
  EXPECT_EQ(c.join, (std::vector<std::string>{"10.0.0.9", "10.0.0.2"}));
  EXPECT_EQ(c.tags, (core::wire::Tags{{"dc", "x"}, {"role", "web"}}));
  EXPECT_EQ(c.profile, "wan");
  EXPECT_TRUE(c.retry_join);
  EXPECT_EQ(c.reconnect_interval_s, 5);
  EXPECT_EQ(c.config_file, f.path());
  EXPECT_TRUE(validate(c).is_ok()) << validate(c).message();
}

TEST(AgentConfig, UnknownFieldIsNamedWithTheAllowedOnes) {
  ConfigFile f(R"({"nodename":"a"})");
  AgentConfig c;
  const Status s = load_config_file(f.path(), c);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("unknown field 'nodename'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("node,"), std::string::npos) << s.message();
}

TEST(AgentConfig, WrongTypesAndBadJsonAreNamedAndNothingIsHalfLoaded) {
  AgentConfig c;
  ConfigFile wrong(R"({"node":"z","retry_join":"yes"})");
  Status s = load_config_file(wrong.path(), c);
  EXPECT_NE(s.message().find("'retry_join' must be true or false"), std::string::npos)
      << s.message();
  EXPECT_EQ(c.node, "");  // the good field before the bad one was not applied
  ConfigFile bad("{\"node\":");
  EXPECT_NE(load_config_file(bad.path(), c).message().find("not valid JSON"), std::string::npos);
  ConfigFile tags(R"({"tags":{"k":1}})");
  EXPECT_NE(load_config_file(tags.path(), c).message().find("'tags.k' must be a string"),
            std::string::npos);
  EXPECT_NE(load_config_file("/nonexistent/rumor.json", c).message().find("cannot read"),
            std::string::npos);
}

TEST(AgentConfig, ValidateNamesTheFieldAndItsAllowedValues) {
  AgentConfig c;
  c.profile = "fast";
  EXPECT_EQ(validate(c).message(), "profile: must be one of lan, wan, local, got 'fast'");
  c = AgentConfig{};
  c.log_level = "loud";
  EXPECT_NE(validate(c).message().find("debug, info, warn, error"), std::string::npos);
  c = AgentConfig{};
  c.bind = "1.2.3.4:70000";
  EXPECT_NE(validate(c).message().find("bind:"), std::string::npos);
  c = AgentConfig{};
  c.advertise = "0.0.0.0:7946";
  EXPECT_NE(validate(c).message().find("advertise:"), std::string::npos);
  c = AgentConfig{};
  c.join = {"[::1"};
  EXPECT_NE(validate(c).message().find("join:"), std::string::npos);
  c = AgentConfig{};
  c.tags["big"] = std::string(600, 'x');
  EXPECT_NE(validate(c).message().find("512-byte"), std::string::npos);
  c = AgentConfig{};
  c.reconnect_interval_s = 0;
  EXPECT_NE(validate(c).message().find("reconnect-interval"), std::string::npos);
}

TEST(AgentConfig, TagArgumentsNeedKeyEqualsValue) {
  core::wire::Tags t;
  EXPECT_TRUE(parse_tag("role=web", t).is_ok());
  EXPECT_TRUE(parse_tag("empty=", t).is_ok());
  EXPECT_EQ(t, (core::wire::Tags{{"empty", ""}, {"role", "web"}}));
  EXPECT_EQ(parse_tag("role", t).message(), "tag 'role': expected KEY=VALUE");
  EXPECT_FALSE(parse_tag("=web", t).is_ok());
}

}  // namespace
}  // namespace rumor::agent
