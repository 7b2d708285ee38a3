// What the receiver's options (`mock_receiver_options`, which `aqhook serve`'s command line fills
// too) give the shared state and the server. The defaults are the options' own: one place for each.
#pragma once

#include "server.hpp"

#include <allquiet/webhook/mock_receiver.hpp>

namespace aqhook {

/// The state's settings: the journal's limits, the source allow-list, the secrets added to every
/// configuration, the forward options, and the admin access (a random admin token off loopback
/// when none is given). Moves what it takes out of `options`. Throws `std::invalid_argument` for an
/// admin token no request could send, and for a forward option out of bounds.
receiver_settings settings_of(aq::mock_receiver_options& options);

/// The server's options: where to listen, the request limits and the log. Moves the log out.
server_options server_options_of(aq::mock_receiver_options& options);

} // namespace aqhook
