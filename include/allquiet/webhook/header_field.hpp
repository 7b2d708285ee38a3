// One HTTP header field: what a signature adds to a request, what a request template lists.
#pragma once

#include <string>

namespace allquiet::webhook {

/// One HTTP header field.
struct header_field {
    std::string name;
    std::string value;

    friend bool operator==(const header_field&, const header_field&) = default;
};

} // namespace allquiet::webhook
