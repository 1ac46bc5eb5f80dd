/// \file
/// A mutex the compiler can reason about: Clang's thread-safety analysis checks, at compile
/// time, that every field marked SOCKIT_GUARDED_BY(mu) is used only with `mu` held, that a
/// function marked SOCKIT_REQUIRES(mu) is called only with it held, and that mutexes are taken
/// in the order SOCKIT_ACQUIRED_BEFORE/AFTER declares. GCC ignores the attributes; the
/// `thread-safety` preset builds the library with clang and `-Werror=thread-safety`.
///
/// std::mutex carries no such attributes in libstdc++, hence these thin wrappers.
#pragma once

#include <mutex>

#if defined(__clang__)
#define SOCKIT_TSA(x) __attribute__((x))
#else
#define SOCKIT_TSA(x)
#endif

#define SOCKIT_CAPABILITY(name) SOCKIT_TSA(capability(name))
#define SOCKIT_SCOPED_CAPABILITY SOCKIT_TSA(scoped_lockable)
#define SOCKIT_GUARDED_BY(mu) SOCKIT_TSA(guarded_by(mu))
#define SOCKIT_PT_GUARDED_BY(mu) SOCKIT_TSA(pt_guarded_by(mu))
#define SOCKIT_REQUIRES(...) SOCKIT_TSA(requires_capability(__VA_ARGS__))
#define SOCKIT_EXCLUDES(...) SOCKIT_TSA(locks_excluded(__VA_ARGS__))
#define SOCKIT_ACQUIRE(...) SOCKIT_TSA(acquire_capability(__VA_ARGS__))
#define SOCKIT_RELEASE(...) SOCKIT_TSA(release_capability(__VA_ARGS__))
#define SOCKIT_ACQUIRED_BEFORE(...) SOCKIT_TSA(acquired_before(__VA_ARGS__))
#define SOCKIT_ACQUIRED_AFTER(...) SOCKIT_TSA(acquired_after(__VA_ARGS__))
#define SOCKIT_RETURN_CAPABILITY(x) SOCKIT_TSA(lock_returned(x))
#define SOCKIT_NO_THREAD_SAFETY_ANALYSIS SOCKIT_TSA(no_thread_safety_analysis)

namespace sockit {

/// A std::mutex the analysis knows. Not recursive. Thread safe.
class SOCKIT_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() SOCKIT_ACQUIRE() { mu_.lock(); }
  void unlock() SOCKIT_RELEASE() { mu_.unlock(); }
  /// For the analysis only: tells it the caller holds this mutex (a callback run under it).
  void assert_held() const SOCKIT_TSA(assert_capability(this)) {}

 private:
  std::mutex mu_;
};

/// Holds `mu` for the scope (std::lock_guard for Mutex).
class SOCKIT_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) SOCKIT_ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~MutexLock() SOCKIT_RELEASE() { mu_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

}  // namespace sockit
