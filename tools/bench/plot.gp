# Packets per second per mode and table size (and bulk TCP, if measured),
# from the .dat files bench.sh writes. Called with -e setting out, pps, tcp
# (a file name or ""), subtitle.
set terminal pngcairo size 1600,700 font ",10"
set output out
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.85 border -1
set grid ytics
set key top left
set yrange [0:*]
set xtics rotate by -25 scale 0
if (tcp ne "") { set multiplot layout 1,2 columnsfirst title subtitle; set size 0.72,1 }
else { set title subtitle }
set ylabel "Mpps delivered (median, bar: min-max)"
plot pps using 2:3:4:xtic(1) title "kernel" lc rgb "#888888", \
     '' using 5:6:7 title "fast path" lc rgb "#1f77b4", \
     '' using 8:9:10 title "limit (redirect only)" lc rgb "#2ca02c"
if (tcp ne "") {
  set origin 0.72,0
  set size 0.28,1
  set ylabel "Gbit/s (median, bar: min-max)"
  set xtics norotate
  plot tcp using 2:3:4:xtic(1) title "kernel" lc rgb "#888888", \
       '' using 5:6:7 title "fast path" lc rgb "#1f77b4"
  unset multiplot
}
