// Draws each dashboard figure from the table behind it (embedded as JSON next to the canvas).
document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
  const data = JSON.parse(document.getElementById(canvas.dataset.source).textContent);
  const series = canvas.dataset.series.split(",").filter(Boolean).map(Number);
  const labels = data.rows.map((row) => String(row[0]));
  const palette = ["#1f6feb", "#b26a00", "#1b7f3b", "#b3261e", "#6f42c1"];
  new Chart(canvas, {
    type: canvas.dataset.chart,
    data: {
      labels,
      datasets: series.map((index, n) => ({
        label: data.columns[index],
        data: data.rows.map((row) => row[index]),
        backgroundColor: canvas.dataset.chart === "doughnut" ? palette : palette[n % palette.length],
        yAxisID: canvas.dataset.chart === "bar" && n > 0 ? "y1" : "y",
      })),
    },
    options: {
      animation: false,
      responsive: true,
      locale: document.documentElement.lang || "ru",
      scales: canvas.dataset.chart === "doughnut" ? {} : {
        y: { beginAtZero: true, title: { display: true, text: data.columns[series[0]] } },
        ...(series.length > 1 ? { y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: data.columns[series[1]] } } } : {}),
      },
    },
  });
});
