// Export macro of the Warden core library (hidden visibility by default).
#pragma once

#include <QtCore/qglobal.h>

#if defined(WARDEN_CORE_BUILDING) || defined(WARDEN_CORE_STATIC)
#define WARDEN_CORE_EXPORT Q_DECL_EXPORT
#else
#define WARDEN_CORE_EXPORT Q_DECL_IMPORT
#endif
