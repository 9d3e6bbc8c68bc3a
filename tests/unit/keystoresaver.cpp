// Helper of tst_keystore's SIGKILL test: opens a key store and saves it in a loop, one whole
// generation after the other (keystorefixture.h), until it is killed.
//
//   keystoresaver <store file>
//
// Prints "ready <generation>" once the store is open, then "saved <generation>" after each
// save returned (so the test knows which generations certainly reached the disk).
#include "keystorefixture.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QTextStream>

#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() != 2) {
        std::fprintf(stderr, "usage: keystoresaver <store file>\n");
        return 2;
    }
    auto store = Warden::KeyStore::open(args.at(1), KeyStoreFixture::passphrase());
    if (!store) {
        std::fprintf(stderr, "keystoresaver: %s\n", qPrintable(store.error().message()));
        return 1;
    }
    // Few backups, so that pruning runs on most saves and gets killed too.
    store->setBackupLimit(3);
    int64_t generation = KeyStoreFixture::generationOf(*store);
    if (generation < 0) {
        std::fprintf(stderr, "keystoresaver: the store does not hold one whole generation\n");
        return 1;
    }
    std::printf("ready %lld\n", static_cast<long long>(generation));
    std::fflush(stdout);
    for (;;) {
        ++generation;
        if (!KeyStoreFixture::fill(*store, uint32_t(generation))) {
            std::fprintf(stderr, "keystoresaver: cannot fill generation %lld\n",
                         static_cast<long long>(generation));
            return 1;
        }
        if (auto saved = store->save(); !saved) {
            std::fprintf(stderr, "keystoresaver: %s\n", qPrintable(saved.error().message()));
            return 1;
        }
        std::printf("saved %lld\n", static_cast<long long>(generation));
        std::fflush(stdout);
    }
}
