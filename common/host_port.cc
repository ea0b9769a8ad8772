#include "common/host_port.h"

#include <fmt/format.h>

#include <charconv>

namespace mt {

Status check_host_port(std::string_view address) {
  const auto colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return make_error(fmt::format("'{}' is not HOST:PORT (e.g. 127.0.0.1:9464)", address));
  const std::string_view port = address.substr(colon + 1);
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535)
    return make_error(fmt::format(
        "'{}' is not HOST:PORT: the port must be a number from 0 to 65535", address));
  return {};
}

}  // namespace mt
