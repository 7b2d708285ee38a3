// aqhook sign and aqhook verify, run as a user runs them.
#include "process.hpp"

#include <fstream>

BOOST_AUTO_TEST_SUITE(test_aqhook_signature_commands)

using test_support::run_process;

namespace {

const std::string aqhook = AQHOOK_PATH;
const std::string secret = "s3cr3t-signing-key";
const std::string stamp = "2023-12-17T11:51:08.844Z";
const std::string body = R"({"id":"81cd20be","title":"RAM above 60%"})";
const std::string signature = "eyatl7yXBXABV+cR8eIfXJ4gOryNuWpS54lnjpE30bI=";

std::vector<std::string> verify_args(std::vector<std::string> extra) {
    std::vector<std::string> args{aqhook, "verify", "--signature", signature, "--timestamp", stamp};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

} // namespace

BOOST_AUTO_TEST_CASE(sign_prints_the_known_answer) {
    const auto r = run_process({aqhook, "sign", "--secret", secret, "--timestamp", stamp}, body);
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST(r.out == "x-aq-signature: " + signature + "\nx-aq-timestamp: " + stamp + "\n");
}

BOOST_AUTO_TEST_CASE(sign_aws_from_a_body_file_and_a_secret_file) {
    const std::string body_path = test_support::write_temp_file("sign-body", body),
                      secret_path = test_support::write_temp_file("sign-secret", secret + "\n");
    const auto r = run_process({aqhook, "sign", "--secret-file", secret_path, "--signing-method", "aws",
                                "--timestamp", stamp, "--body-file", body_path});
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST(r.out == "x-amzn-event-signature: " + signature + "\nx-amzn-event-timestamp: " + stamp + "\n");
}

BOOST_AUTO_TEST_CASE(sign_without_timestamp_stamps_now) {
    const auto r = run_process({aqhook, "sign", "--secret", secret}, body);
    BOOST_TEST(r.exit_code == 0);
    const auto line = r.out.substr(r.out.find("x-aq-timestamp: ") + 16);
    BOOST_TEST(line.size() == 25u); // "YYYY-MM-DDTHH:MM:SS.mmmZ\n"
    BOOST_TEST(line[23] == 'Z');
}

BOOST_AUTO_TEST_CASE(sign_usage_errors_exit_2) {
    BOOST_TEST(run_process({aqhook, "sign"}, body).exit_code == 2);
    BOOST_TEST(run_process({aqhook, "sign", "--secret", "a", "--secret", "b"}, body).exit_code == 2);
    const auto bad_stamp =
        run_process({aqhook, "sign", "--secret", secret, "--timestamp", "yesterday"}, body);
    BOOST_TEST(bad_stamp.exit_code == 2);
    BOOST_TEST(bad_stamp.err.find("RFC 3339") != std::string::npos);
    BOOST_TEST(
        run_process({aqhook, "sign", "--secret", secret, "--signing-method", "sha1"}, body).exit_code == 2);
    BOOST_TEST(run_process({aqhook, "sign", "--secret", secret, "--body-file", "/nonexistent/x"}).exit_code ==
               2);
    BOOST_TEST(run_process({aqhook, "sign", "--secret", secret, "--bogus"}).exit_code == 2);
    BOOST_TEST(run_process({aqhook, "sign", "--secret"}).exit_code == 2);
}

BOOST_AUTO_TEST_CASE(verify_prints_the_method_that_matched) {
    const auto r = run_process(verify_args({"--secret", "old", "--secret", secret, "--no-tolerance"}), body);
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST(r.out == "valid: allquiet (secret 2 of 2)\n");
    const auto aws =
        run_process(verify_args({"--secret", secret, "--signing-method", "aws", "--no-tolerance"}), body);
    BOOST_TEST(aws.exit_code == 0);
    BOOST_TEST(aws.out == "valid: aws (secret 1 of 1)\n");
}

BOOST_AUTO_TEST_CASE(verify_failures_exit_1_with_the_reason_and_no_secret) {
    const auto tampered = run_process(verify_args({"--secret", secret, "--no-tolerance"}), body + " ");
    BOOST_TEST(tampered.exit_code == 1);
    BOOST_TEST(tampered.out == "invalid: signature mismatch\n");
    BOOST_TEST(tampered.out.find(secret) == std::string::npos);
    BOOST_TEST(tampered.err.find(secret) == std::string::npos);

    const auto stale = run_process(verify_args({"--secret", secret}), body);
    BOOST_TEST(stale.exit_code == 1);
    BOOST_TEST(stale.out == "invalid: timestamp too old\n");

    const auto wide = run_process(verify_args({"--secret", secret, "--tolerance", "31536000"}), body);
    BOOST_TEST(wide.exit_code == 1); // 2023 is more than a year ago
    const auto malformed = run_process(
        {aqhook, "verify", "--secret", secret, "--signature", "abc", "--timestamp", stamp, "--no-tolerance"},
        body);
    BOOST_TEST(malformed.exit_code == 1);
    BOOST_TEST(malformed.out == "invalid: malformed signature\n");
}

BOOST_AUTO_TEST_CASE(bodies_and_secret_files_over_16_mib_are_refused) {
    const auto body_file = run_process({aqhook, "sign", "--secret", secret, "--body-file", "/dev/zero"});
    BOOST_TEST(body_file.exit_code == 2);
    BOOST_TEST(body_file.err.find("--body-file: /dev/zero is larger than 16 MiB") != std::string::npos,
               body_file.err);
    const auto secret_file = run_process(verify_args({"--secret-file", "/dev/zero"}), body);
    BOOST_TEST(secret_file.exit_code == 2);
    BOOST_TEST(secret_file.err.find("--secret-file: /dev/zero is larger than 16 MiB") != std::string::npos,
               secret_file.err);
}

BOOST_AUTO_TEST_CASE(verify_usage_errors_exit_2) {
    BOOST_TEST(run_process(verify_args({}), body).exit_code == 2); // no secret
    BOOST_TEST(run_process({aqhook, "verify", "--secret", secret, "--timestamp", stamp}, body).exit_code ==
               2);
    BOOST_TEST(run_process(verify_args({"--secret", secret, "--tolerance", "ten"}), body).exit_code == 2);
    BOOST_TEST(run_process(verify_args({"--secret", secret, "--tolerance", "-1"}), body).exit_code == 2);
    BOOST_TEST(run_process(verify_args({"--secret", secret, "--tolerance", "5", "--no-tolerance"}), body)
                   .exit_code == 2);
}

BOOST_AUTO_TEST_CASE(top_level_usage) {
    BOOST_TEST(run_process({aqhook}).exit_code == 2);
    BOOST_TEST(run_process({aqhook, "frobnicate"}).exit_code == 2);
    const auto help = run_process({aqhook, "--help"});
    BOOST_TEST(help.exit_code == 0);
    BOOST_TEST(help.out.find("verify") != std::string::npos);
    const auto version = run_process({aqhook, "--version"});
    BOOST_TEST(version.exit_code == 0);
    BOOST_TEST(version.out.rfind("aqhook ", 0) == 0u);
    const auto sign_help = run_process({aqhook, "sign", "--help"});
    BOOST_TEST(sign_help.exit_code == 0);
    BOOST_TEST(sign_help.out.find("--signing-method") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
