// From template and incident to the request: render the Handlebars template against the
// context All Quiet offers, then read the result as a request description.
#pragma once

#include <allquiet/webhook/handlebars.hpp>
#include <allquiet/webhook/incident.hpp>
#include <allquiet/webhook/request_template.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace allquiet::webhook {

/// The context a template renders against: the incident document as given (member order,
/// nulls and members the SDK does not know included, since All Quiet renders the JSON it has)
/// plus `attributesByName`, a map from each attribute's name to the attribute (the first of
/// that name), recomputed from `attributes`.
inline boost::json::value template_context(boost::json::value incident_document) {
    auto* document = incident_document.if_object();
    if (!document) return incident_document;
    boost::json::object by_name;
    if (const auto* attributes = document->if_contains("attributes"); attributes && attributes->is_array())
        for (const auto& a : attributes->get_array()) {
            const auto* name = a.is_object() ? a.get_object().if_contains("name") : nullptr;
            if (name && name->is_string()) by_name.emplace(name->get_string(), a); // keeps the first
        }
    (*document)["attributesByName"] = std::move(by_name);
    return incident_document;
}

/// The same for an incident read by the SDK, written back as JSON (`to_json`): members in the
/// order they were read, missing ones filled in as `to_json` describes.
inline boost::json::value template_context(const incident& value) { return template_context(to_json(value)); }

/// Renders a request template and reads the result. A result that is not JSON (say, a value
/// with a quote inside `"{{{...}}}"`) gives `error::syntax` with the line and column in the
/// rendered text and that line's text.
inline result<request_description> render_request(const handlebars_template& request_template,
                                                  const boost::json::value& context,
                                                  const render_options& options = {}) {
    auto text = request_template.render(context, options);
    if (!text) return text.error();
    auto description = parse_request_description(*text);
    if (!description && description.error().code == error::syntax) {
        // Add the rendered line, which the template author cannot see.
        auto e = description.error();
        const std::size_t line = e.line;
        std::size_t start = 0;
        for (std::size_t n = 1; n < line && start != std::string::npos; ++n) {
            start = text->find('\n', start);
            if (start != std::string::npos) ++start;
        }
        if (line > 0 && start != std::string::npos) {
            const auto end = text->find('\n', start);
            e.detail += " in rendered line: " + text->substr(start, std::min<std::size_t>(end - start, 200));
        }
        return e;
    }
    return description;
}

/// Renders a request template against an incident (see `template_context`).
inline result<request_description> render_request(const handlebars_template& request_template,
                                                  const incident& value, const render_options& options = {}) {
    return render_request(request_template, template_context(value), options);
}

} // namespace allquiet::webhook
