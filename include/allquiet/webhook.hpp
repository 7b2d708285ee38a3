// The allquiet-webhook SDK for receivers and templates: everything but the sender.
//
// The sender, `<allquiet/webhook/delivery.hpp>` (`aq::deliver`), is not included: it brings
// Boost.Asio, Beast and OpenSSL's TLS, which cost each file that includes them about three times
// what the rest of the SDK costs to compile (docs/performance.md), and a receiver needs none of it.
#pragma once

#include <allquiet/webhook/address_list.hpp>
#include <allquiet/webhook/enums.hpp>
#include <allquiet/webhook/error.hpp>
#include <allquiet/webhook/forwarding.hpp>
#include <allquiet/webhook/handlebars.hpp>
#include <allquiet/webhook/handlebars_options.hpp>
#include <allquiet/webhook/incident.hpp>
#include <allquiet/webhook/patch.hpp>
#include <allquiet/webhook/request_rendering.hpp>
#include <allquiet/webhook/request_template.hpp>
#include <allquiet/webhook/signature.hpp>
#include <allquiet/webhook/timestamp.hpp>
#include <allquiet/webhook/url.hpp>
