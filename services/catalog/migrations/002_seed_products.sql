-- The shop's first dozen products, with fixed ids so links and tests stay stable.
INSERT INTO products (id, name, description, price_cents, currency, stock) VALUES
  ('5eed0000-0000-4000-8000-000000000001', 'Brass Locomotive Whistle', 'A working steam whistle, tuned to A4.', 2450, 'EUR', 40),
  ('5eed0000-0000-4000-8000-000000000002', 'Semaphore Signal Kit', 'Two-arm semaphore signal in H0 scale, hand-painted.', 3900, 'EUR', 25),
  ('5eed0000-0000-4000-8000-000000000003', 'Switch Lantern', 'Rotating switch-stand lantern with red and green lenses.', 5800, 'EUR', 12),
  ('5eed0000-0000-4000-8000-000000000004', 'Conductor''s Pocket Watch', 'Railroad-grade pocket watch, 21 jewels.', 18900, 'EUR', 8),
  ('5eed0000-0000-4000-8000-000000000005', 'Track Gauge', 'Steel gauge for checking rail spacing, standard gauge.', 1650, 'EUR', 60),
  ('5eed0000-0000-4000-8000-000000000006', 'Timetable Poster 1925', 'Reprint of a 1925 express timetable, A2.', 1200, 'EUR', 100),
  ('5eed0000-0000-4000-8000-000000000007', 'Coupling Hook', 'Cast screw-coupling hook, display piece.', 7400, 'EUR', 5),
  ('5eed0000-0000-4000-8000-000000000008', 'Stationmaster Cap', 'Wool cap with embroidered badge.', 3200, 'EUR', 30),
  ('5eed0000-0000-4000-8000-000000000009', 'Rail Spike Bottle Opener', 'A real rail spike, forged into an opener.', 950, 'EUR', 80),
  ('5eed0000-0000-4000-8000-00000000000a', 'Dispatcher''s Telegraph Key', 'Morse key as used in signal boxes.', 6400, 'EUR', 10),
  ('5eed0000-0000-4000-8000-00000000000b', 'Points Lever Model', '1:8 model of a signal-box points lever.', 4500, 'EUR', 15),
  ('5eed0000-0000-4000-8000-00000000000c', 'Night Train Blanket', 'Wool blanket from a sleeper-car pattern.', 8900, 'EUR', 20);
