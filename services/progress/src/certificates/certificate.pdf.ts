import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';

export interface CertificateDocument {
  courseTitle: string;
  learnerName: string;
  issuedAt: Date;
  /** The public verification page, printed and encoded as a QR code. */
  verificationUrl: string;
  /** Set once an admin revoked it: the page says so in words and across the page. */
  revokedAt: Date | null;
  locale: 'en' | 'ru';
}

const require = createRequire(import.meta.url);
/** DejaVu covers Latin and Cyrillic: learners' names and course titles come in both. */
const fonts = {
  regular: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
  bold: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
};

const words = {
  en: {
    heading: 'Certificate of completion',
    awarded: 'This certifies that',
    completed: 'has completed the course',
    issued: 'Issued on',
    verify: 'Verify this certificate at',
    revoked: 'REVOKED',
    revokedOn: 'Revoked on',
  },
  ru: {
    heading: 'Сертификат о прохождении курса',
    awarded: 'Настоящим удостоверяется, что',
    completed: 'прошёл(ла) курс',
    issued: 'Дата выдачи',
    verify: 'Проверить сертификат:',
    revoked: 'ОТОЗВАН',
    revokedOn: 'Отозван',
  },
} as const;

/** A4 landscape in points. */
const page = { width: 841.89, height: 595.28, margin: 56 };

/** The certificate as a one-page PDF: course, learner, date, and the verification link with its QR code. */
export async function renderCertificatePdf(input: CertificateDocument): Promise<Buffer> {
  const text = words[input.locale];
  const dates = new Intl.DateTimeFormat(input.locale === 'ru' ? 'ru-RU' : 'en-GB', {
    dateStyle: 'long',
    timeZone: 'UTC',
  });
  const date = dates.format(input.issuedAt);
  const document = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin: page.margin,
    info: { Title: `${text.heading}: ${input.courseTitle}`, Author: 'Lectern', CreationDate: input.issuedAt },
  });
  const chunks: Buffer[] = [];
  document.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<Buffer>((resolve, reject) => {
    document.on('end', () => resolve(Buffer.concat(chunks)));
    document.on('error', reject);
  });

  document.registerFont('regular', fonts.regular);
  document.registerFont('bold', fonts.bold);
  const width = page.width - 2 * page.margin;
  document
    .lineWidth(3)
    .strokeColor('#1f3a5f')
    .rect(page.margin / 2, page.margin / 2, page.width - page.margin, page.height - page.margin)
    .stroke();

  document
    .font('bold')
    .fontSize(30)
    .fillColor('#1f3a5f')
    .text(text.heading, page.margin, 90, { width, align: 'center' });
  document.font('regular').fontSize(14).fillColor('#333333').text(text.awarded, { width, align: 'center' });
  document
    .moveDown(0.6)
    .font('bold')
    .fontSize(26)
    .fillColor('#000000')
    .text(input.learnerName, { width, align: 'center' });
  document
    .moveDown(0.6)
    .font('regular')
    .fontSize(14)
    .fillColor('#333333')
    .text(text.completed, { width, align: 'center' });
  document
    .moveDown(0.4)
    .font('bold')
    .fontSize(20)
    .fillColor('#000000')
    .text(input.courseTitle, { width, align: 'center' });
  document
    .moveDown(1)
    .font('regular')
    .fontSize(12)
    .fillColor('#333333')
    .text(`${text.issued} ${date}`, { width, align: 'center' });

  const qrSize = 110;
  const qrX = page.width - page.margin - qrSize;
  const qrY = page.height - page.margin - qrSize;
  drawQrCode(document, input.verificationUrl, qrX, qrY, qrSize);
  document
    .font('regular')
    .fontSize(10)
    .fillColor('#333333')
    .text(text.verify, page.margin, qrY + 40, { width: width - qrSize - 20 })
    .fillColor('#1f3a5f')
    .text(input.verificationUrl, {
      width: width - qrSize - 20,
      link: input.verificationUrl,
      underline: true,
    });

  if (input.revokedAt) {
    document
      .moveDown(0.6)
      .font('bold')
      .fontSize(14)
      .fillColor('#b00020')
      .text(`${text.revokedOn} ${dates.format(input.revokedAt)}`, page.margin, undefined, {
        width,
        align: 'center',
      });
    document
      .save()
      .rotate(-20, { origin: [page.width / 2, page.height / 2] })
      .font('bold')
      .fontSize(90)
      .fillColor('#b00020', 0.35)
      .text(text.revoked, 0, page.height / 2 - 60, { width: page.width, align: 'center' })
      .restore();
  }
  document.end();
  return finished;
}

/** The QR code's dark modules as filled squares: vector, so it prints sharp at any size. */
function drawQrCode(document: PDFKit.PDFDocument, value: string, x: number, y: number, size: number): void {
  const { modules } = QRCode.create(value, { errorCorrectionLevel: 'M' });
  const cell = size / modules.size;
  document.save().fillColor('#000000');
  for (let row = 0; row < modules.size; row++) {
    for (let column = 0; column < modules.size; column++) {
      if (modules.get(row, column)) document.rect(x + column * cell, y + row * cell, cell, cell);
    }
  }
  document.fill().restore();
}
