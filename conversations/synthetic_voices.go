package conversations

// The demo brands' voices: a French restaurant, an Indonesian coffee and merch shop, a Bangkok bike-tour
// agency. relance's extractor reads English and French, so the Indonesian and Thai texts carry what it reads
// in any language: international phone numbers, e-mails, links, numeric dates and prices in dollars (Rupiah
// and baht prices are there too, as people write them, and are not read as amounts).

// VoiceRestaurant is a French restaurant: bookings, menus, dates and times, party sizes, phone numbers;
// French mostly, some English from visitors.
func VoiceRestaurant() *Voice { return voiceRestaurant }

// VoiceShop is an Indonesian coffee and fashion-merch online shop: orders, sizes, Rupiah prices, addresses,
// e-mails; Indonesian mostly, English from buyers abroad.
func VoiceShop() *Voice { return voiceShop }

// VoiceTravel is a Bangkok bike-tour agency: dates, durations, pick-up places, prices in dollars and baht,
// links; English mostly, some Thai.
func VoiceTravel() *Voice { return voiceTravel }

var voiceRestaurant = &Voice{
	Name: "restaurant",
	Langs: []VoiceLang{
		{Code: "fr", Weight: 7,
			Items: []string{"menu dégustation", "brunch du dimanche", "plateau de fromages", "menu du midi", "bœuf bourguignon", "menu enfant", "tarte Tatin"},
			Texts: []string{
				"Bonjour, je voudrais réserver une table pour {party} personnes samedi soir", "Bonsoir, il vous reste de la place ce soir à 20h30 pour {party} ?",
				"Vous avez une table en terrasse dimanche midi ?", "Le {item} est encore à la carte ?", "C'est combien le {item} ?",
				"Réservation au nom de Martin pour le {date} à 19h30, {party} couverts", "Mon numéro : 06 {nn} {nn} {nn} {nn}",
				"Vous pouvez me rappeler au 07 {nn} {nn} {nn} {nn} pour confirmer ?", "Écrivez-moi à {email} pour la confirmation",
				"Le menu du midi est à {n} € ?", "On est {party}, ça fait {n},50 € par personne avec le vin ?",
				"Vous faites des menus de groupe ? Budget {n} euros par personne", "Je dois annuler ma réservation de demain, désolé",
				"Vous avez des plats végétariens ?", "Merci beaucoup, à samedi !", "Super, merci !", "d'accord", "Au revoir",
				"Vous êtes ouverts le lundi ?", "J'ai vu la carte sur votre site : {url}", "On peut venir avec un chien ?",
				"C'est possible de privatiser la salle le {date} ? Nous serons une trentaine", "Un bon cadeau de {n} € c'est possible ?",
				"Votre restaurant de {place}, il est ouvert dimanche ?", "On peut décaler à 21h ? Merci !",
			},
			Bot: []string{"Merci pour votre message ! Réservez en ligne : https://maisonlumiere.example/reserver",
				"Voici notre carte de la semaine : https://maisonlumiere.example/carte", "Nous sommes ouverts du mardi au samedi, 12h–14h30 et 19h–22h30.",
				"Souhaitez-vous réserver ou voir la carte ?"},
			Human: []string{"Bonjour, c'est Camille de Maison Lumière : c'est noté, à samedi 20h !", "Je vous confirme la table en terrasse.",
				"Désolée, nous sommes complets ce soir. Demain 19h30 ?", "Le chef peut préparer un plat végétarien, aucun souci.",
				"Je vous envoie la confirmation par e-mail."},
			QuickReplies: []string{"Voir la carte", "Réserver", "Les prix", "Parler à quelqu'un"}},
		{Code: "en", Weight: 3,
			Items: []string{"tasting menu", "Sunday brunch", "cheese board", "lunch menu", "kids menu"},
			Texts: []string{
				"Hello, can I book a table for {party} on Friday at 8pm?", "Hi! Do you have a table for {party} tonight around 7:30pm?",
				"How much is the {item}?", "Is the tasting menu €{n} per person?", "My number is +1 415 555 {nnnn}, please call to confirm",
				"You can reach me at {email}", "We are {party}, is there a vegetarian option?", "Do you take bookings for {date}?",
				"Thanks, see you on Saturday!", "Is your restaurant near {place}?", "I saw your menu here: {url}", "ok", "👍",
				"Can we pay about {n} EUR each by card?", "Sorry, we'll be 15 minutes late",
			},
			Bot: []string{"Thanks for your message! Book online: https://maisonlumiere.example/book",
				"Here is this week's menu: https://maisonlumiere.example/menu", "We are open Tuesday to Saturday, 12–2:30pm and 7–10:30pm.",
				"Would you like to book a table or see the menu?"},
			Human: []string{"Hi, this is Camille from Maison Lumière: your table is booked!", "Sorry, we're fully booked tonight; tomorrow at 7:30pm?",
				"Yes, the chef can make a vegetarian dish.", "I've sent the confirmation by e-mail."},
			QuickReplies: []string{"See the menu", "Book a table", "Prices", "Talk to someone"}},
	},
	Places:       []string{"Paris", "Lyon", "Bordeaux", "Lille", "Marseille"},
	Email:        "client%s@example.fr",
	URL:          "https://maisonlumiere.example/carte/%d",
	Site:         "https://maisonlumiere.example/",
	QuickReplies: []string{"QR_MENU", "QR_BOOK", "QR_PRICES", "QR_HUMAN"},
	Menu: []VoiceButton{{"MENU_OFFERS", "Menus du moment"}, {"MENU_HOURS", "Horaires"}, {"MENU_ORDER", "Ma réservation"},
		{"TALK_TO_HUMAN", "Parler à l'équipe"}},
	Ads:        standardAds("Menu de printemps", "Brunch du dimanche", "Le retour de la tarte Tatin", "Terrasse d'été", "On vous attend"),
	Shortlinks: []string{"qr-table", "flyer-paris-11", "insta-bio", "promo=brunch-src=newsletter", "src=tiktok-camp=summer26"},
	Plugin:     []string{"site-reserver", "site-carte", ""},
	Codes:      []string{"vitrine", "addition-qr"},
	Zones:      []string{"Europe/Paris", "Europe/Paris", "Europe/Paris", "Europe/Brussels", "Europe/London", "America/New_York"},
}

var voiceShop = &Voice{
	Name: "shop",
	Langs: []VoiceLang{
		{Code: "id", Weight: 7,
			Items: []string{"kopi Gayo 250 gr", "kaos Kopi Nusantara", "tote bag batik", "hoodie hitam", "kopi Toraja 500 gr", "tumbler", "paket hampers"},
			Texts: []string{
				"Halo kak, {item} masih ready?", "Kak, {item} ukuran {size} masih ada?", "Berapa harga {item}?",
				"Harganya {idr} ya kak? Bisa COD?", "Ongkir ke {place} berapa kak?", "Saya mau order {item} 2 pcs, kirim ke {place}",
				"Alamat saya: Jl. Sudirman No. {n}, {place}", "Nomor WA saya {phone_id}", "Bisa hubungi saya di {phone_id} kak",
				"Email saya {email}", "Sudah transfer {idr}, mohon dicek ya", "Pesanan #KN{nnnn} sudah dikirim belum?",
				"Resi pengirimannya mana kak?", "Bisa dikirim tanggal {date}?", "Terima kasih kak!", "Makasih, ditunggu ya", "oke kak",
				"Ada diskon untuk pembelian 3 pcs?", "Saya lihat di website: {url}", "Saya di Singapura, bisa bayar ${n} lewat PayPal?",
				"Selamat pagi, toko buka jam berapa?", "Ukuran {size} untuk tinggi 175 cm pas nggak kak?", "Kak, bisa tukar ukuran?",
			},
			Bot: []string{"Terima kasih sudah menghubungi Kopi Nusantara! Admin kami akan membalas secepatnya.",
				"Katalog lengkap: https://kopinusantara.example/katalog", "Jam operasional: Senin–Sabtu 09.00–18.00 WIB.",
				"Mau lihat katalog atau chat dengan admin?"},
			Human: []string{"Halo kak, ini Dewi dari Kopi Nusantara: stoknya masih ada ya.", "Pesanan kakak sudah dikirim, resi via email ya.",
				"Ongkir ke Bandung Rp 18.000 kak.", "Baik kak, ditunggu transfernya 🙏", "Bisa kak, tukar ukuran gratis dalam 7 hari."},
			QuickReplies: []string{"Lihat katalog", "Pesan sekarang", "Harga", "Chat admin"}},
		{Code: "en", Weight: 3,
			Items: []string{"Gayo coffee 250 g", "Kopi Nusantara T-shirt", "batik tote bag", "black hoodie", "gift hamper"},
			Texts: []string{
				"Hi! Do you ship to {place}?", "How much is the {item} in USD?", "Is the {item} available in size {size}?",
				"Can I pay $ {n} by PayPal?", "Total is about {n} USD with shipping?", "My WhatsApp is {phone_id}",
				"Please send the invoice to {email}", "Where is my order #KN{nnnn}?", "Thanks a lot!", "I saw it here: {url}", "ok",
				"Can it arrive before {date}?",
			},
			Bot: []string{"Thanks for contacting Kopi Nusantara! We reply within the hour.", "Full catalogue: https://kopinusantara.example/shop",
				"We ship worldwide from Jakarta: https://kopinusantara.example/shipping", "Would you like to see the catalogue or talk to someone?"},
			Human: []string{"Hi, this is Dewi from Kopi Nusantara: yes, it's in stock.", "Your order has shipped, tracking sent by e-mail.",
				"Shipping to Singapore is about $12.", "Sure, I'll hold it for you until tomorrow."},
			QuickReplies: []string{"See the catalogue", "Order now", "Prices", "Talk to someone"}},
	},
	Places:       []string{"Jakarta Selatan", "Bandung", "Surabaya", "Yogyakarta", "Denpasar", "Medan", "Makassar", "Singapore"},
	Email:        "pelanggan%s@example.co.id",
	URL:          "https://kopinusantara.example/p/%d",
	Site:         "https://kopinusantara.example/",
	QuickReplies: []string{"QR_MENU", "QR_BOOK", "QR_PRICES", "QR_HUMAN"},
	Menu: []VoiceButton{{"MENU_OFFERS", "Promo"}, {"MENU_HOURS", "Jam buka"}, {"MENU_ORDER", "Lacak pesanan"},
		{"TALK_TO_HUMAN", "Chat dengan admin"}},
	Ads:        standardAds("Promo kopi Gayo", "Kaos edisi baru", "Hoodie ready lagi", "Harbolnas sale", "Kangen kopi kami?"),
	Shortlinks: []string{"ig-bio", "qr-kemasan", "tokopedia-link", "promo=payday-src=newsletter", "src=tiktok-camp=harbolnas"},
	Plugin:     []string{"site-home", "site-checkout", ""},
	Codes:      []string{"kemasan-qr", "booth-pameran"},
	Zones:      []string{"Asia/Jakarta", "Asia/Jakarta", "Asia/Jakarta", "Asia/Makassar", "Asia/Singapore", "Australia/Perth"},
}

var voiceTravel = &Voice{
	Name: "travel",
	Langs: []VoiceLang{
		{Code: "en", Weight: 7,
			Items: []string{"Old City half-day tour", "Bang Krachao jungle ride", "Chinatown night ride", "Ayutthaya day trip",
				"3-day Kanchanaburi tour", "private family tour"},
			Texts: []string{
				"Hi! Is the {item} available on {date}?", "How much is the {item} for {party} people?", "Is it ${n} per person or for the group?",
				"We are {party} adults and 1 kid, any discount?", "How long is the {item}? 4 hours?", "Can you pick us up at our hotel in {place}?",
				"Pick-up from {place} at 8am tomorrow, is that ok?", "My number is {phone_th}, call me when you arrive",
				"You can reach me on WhatsApp: +1 415 555 {nnnn}", "Please send the booking confirmation to {email}", "I booked here: {url}",
				"Can I pay {n} USD in cash on the day?", "Budget is around ${n}0 for the two of us", "Do you have bikes for kids?",
				"Is the tour still on if it rains?", "Thanks, see you tomorrow!", "Great, thank you!", "ok", "👍",
				"Do you do tours in the evening?", "We land on {date}, can we book for the day after?",
			},
			Bot: []string{"Thanks for your message! Our team answers within the hour.", "Tours and prices: https://bangkokbikes.example/tours",
				"Free hotel pick-up in Sukhumvit, Silom and the Old City.", "Would you like to see the tours or talk to a guide?"},
			Human: []string{"Hi, this is Somchai, your guide: pick-up at 7:30am in your hotel lobby.", "Yes, we have child seats and small bikes.",
				"The tour runs rain or shine, we bring ponchos!", "I've sent the booking confirmation by e-mail."},
			QuickReplies: []string{"See the tours", "Book a tour", "Prices", "Talk to a guide"}},
		{Code: "th", Weight: 3,
			Items: []string{"ทัวร์เมืองเก่า", "ปั่นบางกระเจ้า", "ทัวร์เยาวราชกลางคืน", "ทริปอยุธยา"},
			Texts: []string{
				"สวัสดีครับ {item} วันที่ {date} ยังว่างไหมครับ", "ราคาเท่าไหร่คะ สำหรับ {party} คน", "รับที่โรงแรมแถว {place} ได้ไหมครับ",
				"เบอร์โทร {phone_th} ค่ะ", "ส่งรายละเอียดมาที่ {email} ได้เลยครับ", "ขอบคุณมากครับ", "โอเคค่ะ",
				"จ่ายเงินสดได้ไหมคะ {n}00 บาท", "ทัวร์ใช้เวลากี่ชั่วโมงครับ", "ดูรายละเอียดจากเว็บ {url}",
			},
			Bot: []string{"ขอบคุณที่ติดต่อ Bangkok Bikes ค่ะ ทีมงานจะตอบกลับภายในหนึ่งชั่วโมง", "ดูทัวร์และราคาได้ที่ https://bangkokbikes.example/th/tours",
				"รับส่งฟรีที่โรงแรมในสุขุมวิท สีลม และเกาะรัตนโกสินทร์", "ต้องการดูทัวร์หรือคุยกับไกด์คะ"},
			Human: []string{"สวัสดีครับ ผมสมชาย ไกด์ของคุณ จะไปรับที่ล็อบบี้ 7:30 น. ครับ", "มีจักรยานเด็กครับ",
				"ฝนตกก็ปั่นได้ครับ มีเสื้อกันฝนให้", "ส่งใบยืนยันทางอีเมลแล้วครับ"},
			QuickReplies: []string{"ดูทัวร์", "จองทัวร์", "ราคา", "คุยกับไกด์"}},
	},
	Places:       []string{"Sukhumvit", "Silom", "Khao San Road", "Chinatown", "Sathorn", "Riverside", "Bangkok", "Don Mueang airport"},
	Email:        "rider%s@example.com",
	URL:          "https://bangkokbikes.example/tours/%d",
	Site:         "https://bangkokbikes.example/",
	QuickReplies: []string{"QR_MENU", "QR_BOOK", "QR_PRICES", "QR_HUMAN"},
	Menu: []VoiceButton{{"MENU_OFFERS", "Tours & offers"}, {"MENU_HOURS", "Opening hours"}, {"MENU_ORDER", "My booking"},
		{"TALK_TO_HUMAN", "Talk to a guide"}},
	Ads:        standardAds("Spring rides", "Chinatown by night", "Ayutthaya is back", "Songkran rides", "Ride with us again"),
	Shortlinks: []string{"hostel-flyer", "qr-bike-rack", "insta-bio", "promo=songkran-src=newsletter", "src=tiktok-camp=summer26"},
	Plugin:     []string{"site-tours", "site-checkout", ""},
	Codes:      []string{"shop-window", "bike-qr"},
	Zones:      []string{"Asia/Bangkok", "Asia/Bangkok", "Europe/London", "Europe/Berlin", "America/New_York", "Australia/Sydney"},
}
