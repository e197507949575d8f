// The daemon side of the control socket: non-blocking, bounded per client,
// so one client misbehaving (garbage, huge requests, never reading) cannot
// block or crash the daemon.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <sys/types.h>
#include <utility>

#include "common/error.h"
#include "common/fd.h"

namespace routerd {

class ControlServer {
 public:
  using Handler = std::function<nlohmann::json(const nlohmann::json&)>;
  using Clock = std::chrono::steady_clock;

  // Whether path can be listened on: not too long, not a file that is no
  // socket, no daemon answering there. (listen() checks it too.)
  static common::Result<void> check_path(const std::filesystem::path& path);
  // Listens on path (mode 0660). Refuses if another daemon answers there.
  static common::Result<ControlServer> listen(const std::filesystem::path& path,
                                              int epoll_fd, Handler handler);
  ControlServer(ControlServer&&) noexcept = default;
  ControlServer& operator=(ControlServer&&) noexcept = default;
  ~ControlServer();

  // Whether fd (from epoll) belongs to this server.
  bool owns(int fd) const;
  void on_event(int fd, uint32_t events);
  // Closes clients idle for too long; call now and then.
  void sweep(Clock::time_point now);
  size_t clients() const { return clients_.size(); }

 private:
  struct Client {
    common::UniqueFd fd;
    std::string in, out;
    Clock::time_point last_request;
    bool closing = false;  // close once what was asked is answered
    bool eof = false;      // the client sent all it will send
  };

  ControlServer() = default;
  void accept_all();
  void read(Client& c);
  // The reply to one request line; never throws.
  std::string answer(const std::string& line);
  void write(Client& c);
  void serve(Client& c);
  void pump(Client& c);
  void update_interest(Client& c);
  void close(int fd);
  void evict_idlest();
  void refuse_one();
  void finish(Client& c);

  std::filesystem::path path_;
  int epoll_fd_ = -1;
  common::UniqueFd listen_fd_;
  std::pair<dev_t, ino_t> bound_{};  // the socket file bound at path_
  common::UniqueFd spare_fd_;        // given up to accept() at EMFILE
  Handler handler_;
  std::map<int, Client> clients_;
};

}  // namespace routerd
