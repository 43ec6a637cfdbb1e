"""Differentiating a physics simulation through its time loop: the best angle to throw a ball.

Run from the repository root after installing the package:

    python -m pip install . && python examples/physics.py

A ball leaves the ground with speed v at angle theta and flies under gravity and
quadratic air drag (acceleration -g in y, and -k |v| v), integrated with explicit
Euler steps of dt in a `while y >= 0` loop: the number of steps depends on the
inputs. The landing point is interpolated linearly between the last two steps, so
the landing distance is a smooth function of v and theta.

tangent_ad differentiates the whole simulation, loop included: the forward sweep
counts the steps and saves the values each step overwrites, the reverse sweep
replays the steps backwards. The script

1. compares the gradient (d distance / d v, d distance / d theta) from reverse mode,
   from forward mode and from central differences;
2. without drag, compares it with the textbook range v^2 sin(2 theta) / g and its
   derivatives (equal up to the Euler discretization error);
3. finds the angle of the longest throw with drag by gradient ascent on theta,
   and checks it against a scan of angles; with drag it is below 45 degrees.
"""
import argparse
import math

import numpy as np

import tangent_ad as tad

G = 9.81          # gravity, m/s^2


def landing_distance(speed, angle, drag, dt):
    """Horizontal distance (m) where the ball lands; explicit Euler steps of dt seconds."""
    x = 0.0
    y = 0.0
    vx = speed * np.cos(angle)
    vy = speed * np.sin(angle)
    x_prev = x
    y_prev = y
    while y >= 0.0:
        x_prev = x
        y_prev = y
        v = np.sqrt(vx * vx + vy * vy)
        x = x + dt * vx
        y = y + dt * vy
        vx = vx - dt * drag * v * vx
        vy = vy - dt * (G + drag * v * vy)
    # The ball crossed y = 0 during the last step: interpolate where.
    return x_prev + (x - x_prev) * y_prev / (y_prev - y)


def best_angle(speed, drag, dt, start=0.5, learning_rate=0.01, steps=20, verbose=True):
    """Gradient ascent on the angle; returns (angle, distance, slope) at the end."""
    slope_of = tad.grad(landing_distance, wrt="angle")
    angle = start
    for step in range(steps + 1):
        slope = slope_of(speed, angle, drag, dt)
        if verbose and step % max(steps // 10, 1) == 0:
            print(f"  step {step:3d}: angle {math.degrees(angle):7.3f} deg   distance "
                  f"{landing_distance(speed, angle, drag, dt):8.4f} m   d distance / d angle {slope:9.5f} m/rad")
        if step == steps:
            break
        angle = angle + learning_rate * slope
    return angle, landing_distance(speed, angle, drag, dt), slope


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", type=float, default=20.0, help="launch speed, m/s")
    parser.add_argument("--drag", type=float, default=0.02, help="drag coefficient k, 1/m")
    parser.add_argument("--dt", type=float, default=0.01, help="time step, s")
    parser.add_argument("--steps", type=int, default=20, help="gradient-ascent steps")
    parser.add_argument("--show-code", action="store_true", help="print the generated reverse-mode code")
    args = parser.parse_args(argv)
    speed, drag, dt = args.speed, args.drag, args.dt
    results = {}

    if args.show_code:
        print(tad.source(landing_distance, mode="reverse", wrt=("speed", "angle")))

    angle = math.radians(40.0)
    print(f"1. v = {speed} m/s, theta = 40 deg, k = {drag} 1/m, dt = {dt} s")
    distance = landing_distance(speed, angle, drag, dt)
    reverse = tad.grad(landing_distance, wrt=("speed", "angle"))(speed, angle, drag, dt)
    forward = (tad.jvp(landing_distance, (speed, angle, drag, dt), (1.0, None, None, None))[1],
               tad.jvp(landing_distance, (speed, angle, drag, dt), (None, 1.0, None, None))[1])
    central = tad.numerical_grad(landing_distance, speed, angle, drag, dt, wrt=("speed", "angle"), h=1e-6)
    print(f"   distance {distance:.6f} m")
    print(f"   reverse mode:        d/dv = {reverse[0]:.9f}   d/dtheta = {reverse[1]:.9f}")
    print(f"   forward mode:        d/dv = {forward[0]:.9f}   d/dtheta = {forward[1]:.9f}")
    print(f"   central differences: d/dv = {central[0]:.9f}   d/dtheta = {central[1]:.9f}")
    results["reverse"], results["forward"], results["central"] = reverse, forward, central
    results["relative_difference"] = max(abs(r - c) / abs(c) for r, c in zip(reverse, central))
    print(f"   largest relative difference from central differences: {results['relative_difference']:.1e}")

    print()
    print("2. Without drag, against the textbook range R = v^2 sin(2 theta) / g:")
    no_drag = tad.grad(landing_distance, wrt=("speed", "angle"))(speed, angle, 0.0, dt / 10)
    textbook = (2 * speed * math.sin(2 * angle) / G, 2 * speed ** 2 * math.cos(2 * angle) / G)
    print(f"   tangent_ad (dt = {dt / 10:g}): dR/dv = {no_drag[0]:.4f}   dR/dtheta = {no_drag[1]:.4f}")
    print(f"   textbook:            dR/dv = {textbook[0]:.4f}   dR/dtheta = {textbook[1]:.4f}")
    results["no_drag"], results["textbook"] = no_drag, textbook

    print()
    print(f"3. The longest throw with drag k = {drag}: gradient ascent on theta, "
          "theta <- theta + 0.01 * d distance / d theta")
    best, longest, slope = best_angle(speed, drag, dt, steps=args.steps)
    scan = np.radians(np.arange(20.0, 50.0, 0.1))
    scanned = [landing_distance(speed, a, drag, dt) for a in scan]
    print(f"   best angle {math.degrees(best):.2f} deg, distance {longest:.4f} m "
          f"(slope there {slope:.1e} m/rad)")
    print(f"   a scan of angles in steps of 0.1 deg finds {np.degrees(scan[int(np.argmax(scanned))]):.1f} deg, "
          f"{max(scanned):.4f} m")
    print(f"   without drag the best angle would be 45 deg; drag lowers it to {math.degrees(best):.1f} deg")
    results.update(best_angle=math.degrees(best), longest=longest, slope=slope,
                   scan_angle=float(np.degrees(scan[int(np.argmax(scanned))])), scan_longest=max(scanned))
    return results


if __name__ == "__main__":
    main()
