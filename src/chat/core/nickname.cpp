#include "chat/core/nickname.hpp"

#include <fmt/core.h>

#include <memory>
#include <stdexcept>
#include <string>

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>
#include <unicode/uspoof.h>

namespace sockit::chat {
namespace {

void check(UErrorCode status, const char* what) {
  if (U_FAILURE(status)) throw std::runtime_error(std::string(what) + ": " + u_errorName(status));
}

const icu::Normalizer2& nfkc_casefold() {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* normalizer = icu::Normalizer2::getNFKCCasefoldInstance(status);
  check(status, "ICU NFKC_Casefold");
  return *normalizer;  // owned by ICU, immutable and shared by all threads
}

struct CloseChecker {
  void operator()(USpoofChecker* checker) const noexcept { uspoof_close(checker); }
};

// A checker per thread: ICU allows concurrent checks on one, but a thread's own costs little
// and needs no argument about it.
USpoofChecker& spoof_checker() {
  thread_local const std::unique_ptr<USpoofChecker, CloseChecker> checker = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<USpoofChecker, CloseChecker> opened(uspoof_open(&status));
    check(status, "ICU uspoof_open");
    return opened;
  }();
  return *checker;
}

}  // namespace

std::string nickname_key(std::string_view nickname) {
  const icu::Normalizer2& fold = nfkc_casefold();
  UErrorCode status = U_ZERO_ERROR;
  const auto text = icu::UnicodeString::fromUTF8(
      icu::StringPiece(nickname.data(), static_cast<int32_t>(nickname.size())));
  const icu::UnicodeString folded = fold.normalize(text, status);
  check(status, "ICU normalize");
  icu::UnicodeString skeleton;
  uspoof_getSkeletonUnicodeString(&spoof_checker(), 0, folded, skeleton, &status);
  check(status, "ICU skeleton");
  const icu::UnicodeString key = fold.normalize(skeleton, status);  // prototypes may be capitals
  check(status, "ICU normalize");
  std::string out;
  key.toUTF8String(out);
  return out;
}

std::string user_label(std::string_view nickname, std::int64_t id) {
  return fmt::format("{}({})", nickname, id);
}

std::string taken_message(std::string_view nickname, std::string_view holder) {
  return holder == nickname ? fmt::format("nickname '{}' is taken", nickname)
                            : fmt::format("nickname '{}' is too close to '{}'", nickname, holder);
}

}  // namespace sockit::chat
