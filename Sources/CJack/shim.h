// JACK Audio Connection Kit client API (Debian: libjack-jackd2-dev).
#include <jack/jack.h>
#include <jack/midiport.h>
#include <jack/thread.h>
#include <jack/transport.h>

// Swift cannot call C variadic functions: jack_client_open is wrapped here.
static inline jack_client_t *omnibark_jack_client_open(const char *name, jack_options_t options,
                                                       jack_status_t *status) {
    return jack_client_open(name, options, status);
}

// jack_client_open with an explicit server name (JackServerName): NULL server_name means the
// default server (or $JACK_DEFAULT_SERVER). Callers choose JackNoStartServer themselves.
static inline jack_client_t *omnibark_jack_client_open_server(const char *name, jack_options_t options,
                                                              jack_status_t *status,
                                                              const char *server_name) {
    if (server_name == NULL) {
        return jack_client_open(name, options, status);
    }
    return jack_client_open(name, (jack_options_t)(options | JackServerName), status, server_name);
}

// JACK_DEFAULT_AUDIO_TYPE as a C string (a macro Swift would otherwise import as a String value).
static inline const char *omnibark_jack_default_audio_type(void) {
    return JACK_DEFAULT_AUDIO_TYPE;
}

// JACK_DEFAULT_MIDI_TYPE as a C string.
static inline const char *omnibark_jack_default_midi_type(void) {
    return JACK_DEFAULT_MIDI_TYPE;
}
