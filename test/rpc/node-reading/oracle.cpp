// Records what nano-node's RPC reads from request bodies, with the real Boost
// property_tree (the node's parser) and libstdc++ streams. Not run in CI: its
// output is kept in corpus.jsonl and fuzz.jsonl (see record.ts).
//
//   g++ -O1 -o /tmp/node-reading-oracle test/rpc/node-reading/oracle.cpp   (Debian: libboost-dev, Boost 1.74)
//
// Input: one hex-encoded body per line. Output, one line each:
//   error                                  read_json threw: the node answers "Unable to parse JSON"
//   ok ACTION FORCE TYPE DUP               ACTION/TYPE: "+" and the hex of get_optional<std::string>, or "-";
//                                          FORCE: get_optional<bool>("force") as 1, 0 or -;
//                                          DUP: 1 if some tree node has a non-empty key twice
//                                          (a ptree cannot tell an object's "" keys from an array's).
#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
namespace pt = boost::property_tree;

static std::string unhex(const std::string &h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return out;
}
static std::string hex(const std::string &s) {
  static const char *digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}
static bool has_duplicate(const pt::ptree &tree) {
  std::set<std::string> seen;
  for (const auto &child : tree) {
    if (!child.first.empty() && !seen.insert(child.first).second) return true;
    if (has_duplicate(child.second)) return true;
  }
  return false;
}

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    pt::ptree request;
    try {
      std::stringstream ss;
      ss << unhex(line);
      pt::read_json(ss, request);
    } catch (...) {
      std::cout << "error\n";
      continue;
    }
    auto action = request.get_optional<std::string>("action");
    auto force = request.get_optional<bool>("force");
    auto type = request.get_optional<std::string>("type");
    std::cout << "ok " << (action ? "+" + hex(*action) : "-") << " " << (force ? (*force ? "1" : "0") : "-") << " "
              << (type ? "+" + hex(*type) : "-") << " " << (has_duplicate(request) ? 1 : 0) << "\n";
  }
}
