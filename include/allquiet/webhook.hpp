// The whole allquiet-webhook SDK.
#pragma once

#include <allquiet/webhook/address_list.hpp>
#include <allquiet/webhook/delivery.hpp>
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
