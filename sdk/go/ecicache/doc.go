// Alibaba Cloud ECI image caches as declarative infrastructure, with a local ECI emulator.
package ecicache
