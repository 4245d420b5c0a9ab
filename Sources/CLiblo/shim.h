// liblo, the Open Sound Control library (Debian: liblo-dev). OmniBark uses its message decoder
// (lo_message_deserialise and the lo_message accessors); the variadic senders stay out of Swift.
#include <lo/lo.h>
#include <lo/lo_lowlevel.h>
