// Runs a libFuzzer target without libFuzzer, so that every compiler and the plain ctest suites
// exercise it: each file of the corpus, then a fixed number of deterministic mutations of it
// (bit flips, truncations, byte insertions), each in a buffer of exactly its size so that
// ASan sees any read past the end. A crash names the seed and mutation that caused it.
//
//   fuzz_<name> <corpus folder or file>...
#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include <unistd.h>

#ifndef WARDEN_FUZZ_NAME
#define WARDEN_FUZZ_NAME "target"
#endif
#ifndef WARDEN_FUZZ_REPLAY_MUTATIONS
#define WARDEN_FUZZ_REPLAY_MUTATIONS 2000
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
// Optional in a fuzz target, as with libFuzzer.
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);
// Defined only when a sanitizer runtime is linked (the asan preset).
extern "C" __attribute__((weak)) void __sanitizer_set_death_callback(void (*callback)());

// Read by the UBSan runtime at start-up (UBSAN_OPTIONS still wins). GCC links UBSan apart from
// ASan, so the death callback above never hears of a UBSan report; aborting instead lets the
// SIGABRT handler below name the input.
extern "C" const char *__ubsan_default_options()
{
    return "abort_on_error=1";
}

namespace {

namespace fs = std::filesystem;

constexpr long kMutationsPerSeed = WARDEN_FUZZ_REPLAY_MUTATIONS;
constexpr size_t kMaxReportedBytes = 256;

/// splitmix64 with a fixed seed: the same inputs on every machine and every run.
class Rng
{
public:
    uint64_t next()
    {
        uint64_t z = (m_state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    /// Uniform enough in [0, n); 0 when n is 0.
    size_t below(size_t n) { return n == 0 ? 0 : size_t(next() % n); }

private:
    uint64_t m_state = 0x57415244454E2121ULL; // "WARDEN!!"
};

/// What is being fed right now, for the crash report. Plain data: read from a signal handler.
struct CurrentInput
{
    const char *seed = "(none)";
    long mutation = -1; ///< -1: the seed itself
    const uint8_t *data = nullptr;
    size_t size = 0;
};
CurrentInput currentInput;

// Async-signal-safe output: write(2) only, no allocation, no stdio.
void writeText(const char *text)
{
    size_t length = std::strlen(text);
    while (length > 0) {
        const ssize_t written = ::write(STDERR_FILENO, text, length);
        if (written <= 0)
            return;
        text += written;
        length -= size_t(written);
    }
}

void writeNumber(unsigned long value)
{
    char digits[24];
    char *p = digits + sizeof digits;
    *--p = '\0';
    do {
        *--p = char('0' + value % 10);
        value /= 10;
    } while (value != 0);
    writeText(p);
}

void reportCurrentInput()
{
    writeText("\nfuzz replay " WARDEN_FUZZ_NAME ": crashed on ");
    writeText(currentInput.seed);
    if (currentInput.mutation >= 0) {
        writeText(" mutation ");
        writeNumber(static_cast<unsigned long>(currentInput.mutation));
    }
    writeText(" (");
    writeNumber(currentInput.size);
    writeText(" bytes): ");
    static const char hexDigits[] = "0123456789abcdef";
    const size_t shown = std::min(currentInput.size, kMaxReportedBytes);
    for (size_t i = 0; i < shown && currentInput.data; ++i) {
        const char pair[3] = {hexDigits[currentInput.data[i] >> 4],
                              hexDigits[currentInput.data[i] & 0x0F], '\0'};
        writeText(pair);
    }
    writeText(shown < currentInput.size ? "...\n" : "\n");
}

void onFatalSignal(int signalNumber)
{
    reportCurrentInput();
    std::signal(signalNumber, SIG_DFL);
    std::raise(signalNumber);
}

void installCrashReport()
{
    // Under a sanitizer the runtime owns SIGSEGV/SIGBUS and prints its own report; it calls
    // the death callback before exiting. Without one, the signals are ours.
    if (__sanitizer_set_death_callback) {
        __sanitizer_set_death_callback(reportCurrentInput);
    } else {
        std::signal(SIGSEGV, onFatalSignal);
        std::signal(SIGBUS, onFatalSignal);
    }
    std::signal(SIGABRT, onFatalSignal);
    std::signal(SIGFPE, onFatalSignal);
    std::signal(SIGILL, onFatalSignal);
}

std::vector<uint8_t> mutate(const std::vector<uint8_t> &seed, Rng &rng)
{
    std::vector<uint8_t> out = seed;
    const size_t steps = 1 + rng.below(4);
    for (size_t step = 0; step < steps; ++step) {
        const size_t kind = rng.below(8);
        if (kind < 4 && !out.empty()) { // flip one bit
            out[rng.below(out.size())] ^= uint8_t(1u << rng.below(8));
        } else if (kind < 6 || out.empty()) { // insert 1..4 bytes, random or a boundary value
            static const uint8_t interesting[] = {0x00, 0x01, 0x7F, 0x80, 0xFF, ';', '\n', '0'};
            const size_t at = rng.below(out.size() + 1);
            const size_t count = 1 + rng.below(4);
            for (size_t i = 0; i < count; ++i) {
                const uint8_t byte = rng.below(2) ? uint8_t(rng.next())
                                                  : interesting[rng.below(sizeof interesting)];
                out.insert(out.begin() + std::ptrdiff_t(at), byte);
            }
        } else { // truncate
            out.resize(rng.below(out.size()));
        }
    }
    return out;
}

void feed(const std::vector<uint8_t> &input, const char *seed, long mutation)
{
    // Exactly input.size() bytes on the heap, so a read one past the end is an ASan report.
    std::unique_ptr<uint8_t[]> buffer(new uint8_t[input.size()]);
    std::copy(input.begin(), input.end(), buffer.get());
    currentInput = {seed, mutation, buffer.get(), input.size()};
    LLVMFuzzerTestOneInput(buffer.get(), input.size());
    currentInput = {};
}

bool collectSeeds(const char *argument, std::vector<fs::path> &seeds)
{
    std::error_code error;
    const fs::path path(argument);
    if (fs::is_regular_file(path, error)) {
        seeds.push_back(path);
        return true;
    }
    if (!fs::is_directory(path, error)) {
        std::fprintf(stderr, "fuzz replay %s: no such corpus file or folder: %s\n",
                     WARDEN_FUZZ_NAME, argument);
        return false;
    }
    std::vector<fs::path> found;
    for (const fs::directory_entry &entry : fs::recursive_directory_iterator(path, error)) {
        if (entry.is_regular_file())
            found.push_back(entry.path());
    }
    if (error) {
        std::fprintf(stderr, "fuzz replay %s: cannot read %s: %s\n", WARDEN_FUZZ_NAME, argument,
                     error.message().c_str());
        return false;
    }
    // Directory order differs between file systems; the replay must not.
    std::sort(found.begin(), found.end());
    seeds.insert(seeds.end(), found.begin(), found.end());
    return true;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s <corpus folder or file>...\n", argv[0]);
        return 2;
    }
    std::vector<fs::path> seeds;
    for (int i = 1; i < argc; ++i) {
        if (!collectSeeds(argv[i], seeds))
            return 2;
    }
    if (seeds.empty()) {
        std::fprintf(stderr, "fuzz replay %s: the corpus has no seed files\n", WARDEN_FUZZ_NAME);
        return 2;
    }

    installCrashReport();
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);

    Rng rng;
    unsigned long inputs = 0;
    feed({}, "(empty input)", -1);
    ++inputs;
    for (const fs::path &seedPath : seeds) {
        std::ifstream file(seedPath, std::ios::binary);
        const std::vector<uint8_t> seed {std::istreambuf_iterator<char>(file),
                                         std::istreambuf_iterator<char>()};
        if (!file.good() && !file.eof()) {
            std::fprintf(stderr, "fuzz replay %s: cannot read %s\n", WARDEN_FUZZ_NAME,
                         seedPath.c_str());
            return 2;
        }
        const std::string name = seedPath.string();
        feed(seed, name.c_str(), -1);
        ++inputs;
        for (long mutation = 0; mutation < kMutationsPerSeed; ++mutation) {
            feed(mutate(seed, rng), name.c_str(), mutation);
            ++inputs;
        }
    }
    std::printf("fuzz replay %s: %lu inputs, 0 crashes\n", WARDEN_FUZZ_NAME, inputs);
    return 0;
}
