"""Playback: the MIDI port hub, the scheduler and the SoundFont synth."""
