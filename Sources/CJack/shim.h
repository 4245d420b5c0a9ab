// JACK Audio Connection Kit client API (Debian: libjack-jackd2-dev).
#include <jack/jack.h>
#include <jack/midiport.h>

// Swift cannot call C variadic functions: jack_client_open is wrapped here.
static inline jack_client_t *omnibark_jack_client_open(const char *name, jack_options_t options,
                                                       jack_status_t *status) {
    return jack_client_open(name, options, status);
}
