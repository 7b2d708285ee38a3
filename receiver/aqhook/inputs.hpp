// The inputs several of aqhook's sender-side commands read: an incident and a request template.
#pragma once

#include "command_line.hpp"

#include <allquiet/webhook/handlebars.hpp>
#include <allquiet/webhook/incident.hpp>

#include <boost/json/value.hpp>

#include <optional>
#include <string>

namespace aqhook {

/// An incident as given: the document, which templates render against as All Quiet renders the
/// JSON it has, and the SDK's reading of it, which checks it and which patches apply to.
struct loaded_incident {
    boost::json::value document;
    allquiet::webhook::incident model;
};

/// The incident in a file, or the built-in sample without one; throws usage_error.
loaded_incident load_incident(const std::optional<std::string>& path);

/// A compiled request template from a file; throws usage_error.
allquiet::webhook::handlebars_template load_template(const std::string& path);

/// Declares --template (required): the request template's file.
void add_template_option(CLI::App& command, std::string& path);

} // namespace aqhook
