// "HOST:PORT" as memtortured's --listen and --metrics-listen and memtorturectl's --target take
// it ("127.0.0.1:9464", "[::1]:0", "host.example:7474"): checked before anything starts.
#pragma once

#include <string_view>

#include "common/result.h"

namespace mt {

// An error says what is wrong with `address` ("'9464' is not HOST:PORT ..."); callers put the
// option's name before it.
Status check_host_port(std::string_view address);

}  // namespace mt
