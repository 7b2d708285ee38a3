// The allquiet-webhook SDK for receivers: verify a delivery's signature, check where it came from,
// read the incident, undo `{{ }}` escaping, answer with a patch (and test what it does).
//
// Two parts are left out, each with headers of its own, because they cost every file that
// includes them and a receiver needs neither (docs/performance.md has each header's cost):
// - the template side, `<allquiet/webhook/request_rendering.hpp>`: request templates and the
//   Handlebars renderer, rendering as All Quiet does (with `url.hpp`, the URLs templates give);
// - the sender, `<allquiet/webhook/delivery.hpp>` (`aq::deliver`), which brings Boost.Asio, Beast
//   and OpenSSL's TLS, and `<allquiet/webhook/forwarding.hpp>`, which events a forwarding mode
//   delivers.
#pragma once

#include <allquiet/webhook/address_list.hpp>
#include <allquiet/webhook/enums.hpp>
#include <allquiet/webhook/error.hpp>
#include <allquiet/webhook/header_field.hpp>
#include <allquiet/webhook/html_escape.hpp>
#include <allquiet/webhook/incident.hpp>
#include <allquiet/webhook/patch.hpp>
#include <allquiet/webhook/signature.hpp>
#include <allquiet/webhook/timestamp.hpp>
